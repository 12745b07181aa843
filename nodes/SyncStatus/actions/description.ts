import type { INodeProperties } from 'n8n-workflow';

export const DEFAULT_STATUS_PATH = 'marketo-dynamics-sync-status';

export const syncStatusProperties: INodeProperties[] = [
	{
		displayName:
			'Serves the sync status page at this workflow\'s production URL: the state of each lane, records synced, failed records and a 5-day chart, as the triggers of the sync report them in this n8n process. Add <code>?format=json</code> for the same as JSON.',
		name: 'notice',
		type: 'notice',
		default: '',
	},
	{
		displayName: 'Path',
		name: 'path',
		type: 'string',
		default: DEFAULT_STATUS_PATH,
		required: true,
		description: 'The page is at &lt;n8n URL&gt;/webhook/&lt;path&gt;',
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			{
				displayName: 'Access Key',
				name: 'accessKey',
				type: 'string',
				typeOptions: { password: true },
				default: '',
				description: 'When set, the page answers only with ?key=&lt;access key&gt; in the URL (it lists record IDs and error messages)',
			},
			{
				displayName: 'Sync Workflow ID',
				name: 'workflowId',
				type: 'string',
				default: '',
				description: 'Show only the triggers of this workflow (empty: every workflow with these triggers)',
			},
		],
	},
];
