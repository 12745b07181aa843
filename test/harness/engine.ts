import { ExecutionLifecycleHooks, PollContext, RoutingNode, ExecuteContext, WorkflowExecute } from 'n8n-core';
import {
	createEmptyRunExecutionData,
	NodeConnectionTypes,
	Workflow,
	type IConnections,
	type ICredentialDataDecryptedObject,
	type ICredentialTestRequest,
	type IDataObject,
	type IExecuteFunctions,
	type INode,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
	type INodeTypes,
	type IPollFunctions,
	type IRun,
	type IRunExecutionData,
	type IWorkflowExecuteAdditionalData,
	type WorkflowExecuteMode,
} from 'n8n-workflow';

import { credentialTypes, TestCredentialsHelper } from './credentials';

export const PACKAGE = 'n8n-nodes-marketo-dynamics-sync';

/** Stand-in for n8n-nodes-base.manualTrigger (nodes-base is not a dependency): passes its input on. */
class ManualTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Manual Trigger',
		name: 'manualTrigger',
		group: ['trigger'],
		version: 1,
		description: '',
		defaults: { name: 'When clicking Execute' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		properties: [],
	};

	async execute(this: IExecuteFunctions) {
		return [this.getInputData()];
	}
}

class StaticNodeTypes implements INodeTypes {
	constructor(private readonly types: Record<string, INodeType>) {}
	getByName(name: string) {
		return this.lookup(name);
	}
	getByNameAndVersion(name: string) {
		return this.lookup(name);
	}
	getKnownTypes(): IDataObject {
		return {};
	}
	private lookup(name: string): INodeType {
		const type = this.types[name];
		if (!type) throw new Error(`Unknown node type ${name}`);
		return type;
	}
}

export interface NodeSpec {
	name: string;
	type: string;
	parameters?: INode['parameters'];
	credentials?: INode['credentials'];
	onError?: INode['onError'];
	typeVersion?: number;
}

export interface RunResult {
	run: IRun;
	/** Items a node emitted on one output (0 = main / success, 1 = error output). */
	output(nodeName: string, outputIndex?: number): INodeExecutionData[];
	error?: Error;
}

/** What a poll handed to n8n itself (`this.__emit`), with the promise n8n settles when that execution ends. */
export type DonePromise = NonNullable<Parameters<IPollFunctions['__emit']>[2]>;
export type PollEmit = (data: INodeExecutionData[][], done?: DonePromise) => void;

/**
 * Runs our nodes in n8n-core's real engine (WorkflowExecute, PollContext, RoutingNode), with a
 * test credential store; HTTP goes out for real (to the loopback simulators).
 */
export class TestEngine {
	readonly credentials = new TestCredentialsHelper();
	readonly nodeTypes: StaticNodeTypes;
	private readonly logs: string[] = [];

	constructor(nodes: Record<string, INodeType>) {
		const types: Record<string, INodeType> = { 'n8n-nodes-base.manualTrigger': new ManualTrigger() };
		for (const [name, type] of Object.entries(nodes)) types[`${PACKAGE}.${name}`] = type;
		this.nodeTypes = new StaticNodeTypes(types);
	}

	/** Everything n8n logged through the execution's logger (for secret-leak checks). */
	get logText(): string {
		return this.logs.join('\n');
	}

	buildNode(spec: NodeSpec, index: number): INode {
		return {
			id: `node-${index}`,
			name: spec.name,
			type: spec.type.includes('.') ? spec.type : `${PACKAGE}.${spec.type}`,
			typeVersion: spec.typeVersion ?? 1,
			position: [index * 200, 0],
			parameters: spec.parameters ?? {},
			credentials: spec.credentials,
			onError: spec.onError,
		};
	}

	workflow(nodes: NodeSpec[], connections: IConnections, staticData: IDataObject = {}): Workflow {
		return new Workflow({
			id: 'wf-test',
			name: 'test',
			nodes: nodes.map((n, i) => this.buildNode(n, i)),
			connections,
			active: false,
			nodeTypes: this.nodeTypes,
			staticData,
			settings: { executionOrder: 'v1' },
		});
	}

	additionalData(hooks: ExecutionLifecycleHooks): IWorkflowExecuteAdditionalData {
		return {
			credentialsHelper: this.credentials,
			hooks,
			executionId: 'exec-test',
			currentNodeExecutionIndex: 0,
			restApiUrl: 'http://127.0.0.1/rest',
			instanceBaseUrl: 'http://127.0.0.1/',
			formBaseUrl: '',
			formWaitingBaseUrl: '',
			formTestBaseUrl: '',
			webhookBaseUrl: '',
			webhookWaitingBaseUrl: '',
			webhookTestBaseUrl: '',
			mcpBaseUrl: '',
			mcpTestBaseUrl: '',
			variables: {},
			logAiEvent: () => undefined,
			setExecutionStatus: () => undefined,
			sendDataToUI: () => undefined,
			executeWorkflow: async () => {
				throw new Error('sub-workflows are not used in tests');
			},
			getRunExecutionData: async () => undefined,
			getRuntimeCredential: async () => undefined,
			startRunnerTask: async () => {
				throw new Error('task runners are not used in tests');
			},
		} as unknown as IWorkflowExecuteAdditionalData;
	}

	/**
	 * Runs a chain "Manual Trigger → nodes…" (connections given, or a straight line) with `input`
	 * items fed to the first node after the trigger.
	 */
	async run(nodes: NodeSpec[], opts: { input?: IDataObject[]; connections?: IConnections; mode?: WorkflowExecuteMode } = {}): Promise<RunResult> {
		const all: NodeSpec[] = [{ name: 'Start', type: 'n8n-nodes-base.manualTrigger' }, ...nodes];
		const connections: IConnections = opts.connections ?? {};
		if (!opts.connections) {
			for (let i = 0; i < all.length - 1; i++) {
				connections[all[i].name] = { main: [[{ node: all[i + 1].name, type: NodeConnectionTypes.Main, index: 0 }]] };
			}
		} else if (!connections.Start) {
			connections.Start = { main: [[{ node: nodes[0].name, type: NodeConnectionTypes.Main, index: 0 }]] };
		}
		const workflow = this.workflow(all, connections);
		const hooks = new ExecutionLifecycleHooks('manual', 'exec-test', { id: 'wf-test', name: 'test', nodes: [], connections: {}, active: false, isArchived: false, createdAt: new Date(), updatedAt: new Date(), activeVersionId: null } as never);
		let resolveRun!: (run: IRun) => void;
		const finished = new Promise<IRun>((resolve) => (resolveRun = resolve));
		hooks.addHandler('workflowExecuteAfter', (run) => resolveRun(run));
		const additionalData = this.additionalData(hooks);
		const startNode = workflow.getNode('Start')!;
		const runExecutionData: IRunExecutionData = {
			...createEmptyRunExecutionData(),
			executionData: {
				contextData: {},
				metadata: {},
				waitingExecution: {},
				waitingExecutionSource: null,
				nodeExecutionStack: [
					{ node: startNode, data: { main: [(opts.input ?? [{}]).map((json) => ({ json }))] }, source: null },
				],
			},
		} as IRunExecutionData;
		const execute = new WorkflowExecute(additionalData, opts.mode ?? 'manual', runExecutionData);
		await execute.processRunExecutionData(workflow);
		const run = await finished;
		const runData = run.data.resultData.runData;
		return {
			run,
			error: run.data.resultData.error as Error | undefined,
			output: (nodeName, outputIndex = 0) => runData[nodeName]?.[0]?.data?.main?.[outputIndex] ?? [],
		};
	}

	/**
	 * A published polling trigger: each `poll()` runs the node's poll() in a real PollContext with
	 * the same workflow (static data survives between polls, as in n8n's active workflow).
	 * `mode: 'manual'` is the editor's "Fetch test event".
	 */
	poller(spec: NodeSpec, staticData: IDataObject = {}, options: { emit?: PollEmit } = {}) {
		const workflow = this.workflow([spec], {}, staticData);
		const node = workflow.getNode(spec.name)!;
		const hooks = new ExecutionLifecycleHooks('trigger', 'exec-poll', { id: 'wf-test' } as never);
		const additionalData = this.additionalData(hooks);
		const type = this.nodeTypes.getByName(node.type);
		let first = true;
		return {
			workflow,
			/** The node's static data (its cursor). */
			get state(): IDataObject {
				return workflow.getStaticData('node', node);
			},
			poll: async (mode: 'trigger' | 'manual' = 'trigger'): Promise<INodeExecutionData[] | null> => {
				const activation = mode === 'manual' ? 'manual' : first ? 'activate' : 'init';
				// With `emit`, n8n's own hand-off is stood in for: the node's __emit(data, _, donePromise) lands there.
				const ctx = options.emit
					? new PollContext(workflow, node, additionalData, mode === 'manual' ? 'manual' : 'trigger', activation, (data, _response, done) => options.emit!(data, done))
					: new PollContext(workflow, node, additionalData, mode === 'manual' ? 'manual' : 'trigger', activation);
				if (mode !== 'manual') first = false;
				const result = await type.poll!.call(ctx);
				return result ? result[0] : null;
			},
		};
	}

	/** A credential's test as n8n's credentials tester runs it: RoutingNode on a temporary node. */
	async testCredential(typeName: string, data: ICredentialDataDecryptedObject): Promise<{ status: 'OK' | 'Error'; message: string }> {
		const credentialType = credentialTypes[typeName];
		const test = credentialType.test as ICredentialTestRequest;
		const id = `cred-test-${typeName}`;
		this.credentials.set(id, typeName, { ...data, accessToken: '' });
		const node: INode = {
			id: 'temp',
			name: 'Temp-Node',
			type: 'n8n-nodes-base.noOp',
			typeVersion: 1,
			position: [0, 0],
			parameters: { temp: '' },
			credentials: { [typeName]: { id, name: 'test' } },
		};
		const nodeType: INodeType = {
			description: {
				displayName: 'Temp',
				name: 'noOp',
				group: ['transform'],
				version: 1,
				description: '',
				defaults: {},
				inputs: [NodeConnectionTypes.Main],
				outputs: [NodeConnectionTypes.Main],
				credentials: [{ name: typeName, required: true }],
				properties: [{ displayName: 'Temp', name: 'temp', type: 'string', routing: { request: test.request }, default: '' }],
			},
		};
		const workflow = new Workflow({
			nodes: [node],
			connections: {},
			active: false,
			nodeTypes: new StaticNodeTypes({ 'n8n-nodes-base.noOp': nodeType }),
		});
		const hooks = new ExecutionLifecycleHooks('internal', 'exec-cred', { id: 'wf-cred' } as never);
		const additionalData = this.additionalData(hooks);
		const decrypted = await this.credentials.getDecrypted(additionalData, { id, name: 'test' }, typeName);
		const ctx = new ExecuteContext(workflow, node, additionalData, 'internal', createEmptyRunExecutionData(), 0, [], { main: [[{ json: {} }]] }, { node, data: {}, source: null }, []);
		const routing = new RoutingNode(ctx, nodeType, { id, name: 'test', type: typeName, data: decrypted });
		let response: INodeExecutionData[][] | null | undefined;
		try {
			response = await routing.runNode();
		} catch (error) {
			const e = error as { cause?: { response?: { status: number; statusText?: string }; code?: string }; message: string };
			if (e.cause?.response) {
				for (const rule of test.rules ?? []) {
					if (rule.type === 'responseCode' && rule.properties.value === e.cause.response.status) {
						return { status: 'Error', message: rule.properties.message };
					}
				}
				return { status: 'Error', message: e.cause.response.statusText || `Received HTTP status code: ${e.cause.response.status}` };
			}
			if (e.cause?.code) return { status: 'Error', message: e.cause.code };
			return { status: 'Error', message: e.message };
		}
		for (const rule of test.rules ?? []) {
			if (rule.type === 'responseSuccessBody') {
				const json = response?.[0]?.[0]?.json as IDataObject | undefined;
				if (json?.[rule.properties.key] === rule.properties.value) return { status: 'Error', message: rule.properties.message };
			}
		}
		return { status: 'OK', message: 'Connection successful!' };
	}
}
