import type { IDataObject, IWebhookFunctions, IWebhookResponseData } from 'n8n-workflow';

import { askReplay, liveStatuses } from '../../journal/status';
import { statusModel } from './model';
import { renderPage } from './render';

/** A constant-time comparison, so the key cannot be guessed by timing. */
function sameKey(given: string, expected: string): boolean {
	if (given.length !== expected.length) return false;
	let diff = 0;
	for (let i = 0; i < given.length; i++) diff |= given.charCodeAt(i) ^ expected.charCodeAt(i);
	return diff === 0;
}

/**
 * GET: the page (or JSON with ?format=json). POST: "Replay failed records", then back to the page.
 * Answers directly: no execution is started, so looking at the page saves nothing.
 */
export async function serveStatusPage(this: IWebhookFunctions): Promise<IWebhookResponseData> {
	const req = this.getRequestObject();
	const res = this.getResponseObject();
	const options = this.getNodeParameter('options', {}) as IDataObject;
	const accessKey = String(options.accessKey ?? '');
	const query = (req.query ?? {}) as IDataObject;
	const given = String(query.key ?? '');
	if (accessKey && !sameKey(given, accessKey)) {
		res.status(403).type('text/plain').send('This status page needs its access key: add ?key=<access key> to the URL.');
		return { noWebhookResponse: true };
	}
	const workflowId = String(options.workflowId ?? '').trim() || undefined;
	const keyQuery = accessKey ? `?key=${encodeURIComponent(given)}` : '';

	let replayed: number | undefined;
	if (this.getWebhookName() === 'default') replayed = askReplay(workflowId);

	const statuses = liveStatuses().filter((s) => !workflowId || s.workflowId === workflowId);
	const model = statusModel(statuses);
	res.setHeader('Cache-Control', 'no-store');
	if (query.format === 'json') {
		res.status(200).json({ ...model, ...(replayed !== undefined ? { replayAsked: replayed } : {}) });
	} else {
		res.status(200).type('text/html').send(renderPage(model, { replayAction: keyQuery, replayed }));
	}
	return { noWebhookResponse: true };
}
