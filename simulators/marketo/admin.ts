/** /__sim/… admin API for out-of-process drivers (e2e, demo, benchmarks): no auth, no limits, no faults. */
import type { SimRequest, SimResponse } from '../common/http';
import type { FaultSpec } from '../common/faults';
import { activityForAdmin } from './activities';
import type { MarketoSimulator } from './index';
import { isPlainObject } from './util';

const json = (body: unknown, status = 200): SimResponse => ({ status, body });
const bad = (message: string, status = 400): SimResponse => ({ status, body: { error: message } });

function num(v: string | undefined | null): number | undefined {
	if (v === undefined || v === null || v === '') return undefined;
	const n = Number(v);
	return Number.isFinite(n) ? n : undefined;
}

/** Admin bodies are JSON whatever the content type says (curl and fetch default to other types). */
function parseLoose(raw: Buffer): unknown {
	if (raw.length === 0) return undefined;
	try {
		return JSON.parse(raw.toString('utf8'));
	} catch {
		return undefined;
	}
}

export function handleAdmin(sim: MarketoSimulator, req: SimRequest): SimResponse {
	const path = req.path.replace(/\/+$/, '');
	const m = req.method;
	const body = req.json ?? parseLoose(req.rawBody);
	const store = sim.store;
	try {
		if (path === '/__sim/health' && m === 'GET') return json({ ok: true, simulator: 'marketo' });
		if (path === '/__sim/stats' && m === 'GET') return json(sim.stats());
		if (path === '/__sim/reset-counters' && m === 'POST') {
			sim.resetCounters();
			return json({ ok: true });
		}
		if (path === '/__sim/reset' && m === 'POST') {
			sim.reset();
			return json({ ok: true });
		}
		if (path === '/__sim/faults') {
			if (m === 'GET') return json(sim.server.faults.list());
			if (m === 'PUT') {
				if (!Array.isArray(body)) return bad('body must be a FaultSpec[] array');
				sim.server.faults.set(body as FaultSpec[]);
				return json({ ok: true, faults: sim.server.faults.list() });
			}
			if (m === 'DELETE') {
				sim.server.faults.clear();
				return json({ ok: true });
			}
		}
		if (path === '/__sim/limits') {
			if (m === 'GET') return json(sim.limits.limits);
			if (m === 'PUT') {
				if (!isPlainObject(body)) return bad('body must be {callsPer20Seconds?, concurrentCalls?, dailyQuota?}');
				sim.setLimits(body as Parameters<MarketoSimulator['setLimits']>[0]);
				return json({ ok: true, limits: sim.limits.limits });
			}
		}
		if (path === '/__sim/reset-limits' && m === 'POST') {
			sim.limits.resetState();
			return json({ ok: true });
		}
		if (path === '/__sim/expire-tokens' && m === 'POST') {
			sim.expireTokens();
			return json({ ok: true });
		}
		if (path === '/__sim/revoke-tokens' && m === 'POST') {
			sim.revokeTokens();
			return json({ ok: true });
		}
		if (path === '/__sim/leads' && m === 'GET') {
			const email = req.url.searchParams.get('email');
			const leads = email === null ? [...store.leads.values()] : store.findLeadsByEmail(email);
			return json(leads);
		}
		let mm = /^\/__sim\/leads\/(\d+)$/.exec(path);
		if (mm && m === 'GET') {
			const lead = store.getLead(Number(mm[1]));
			return lead ? json(lead) : bad(`lead ${mm[1]} not found`, 404);
		}
		if (path === '/__sim/ui/leads' && m === 'POST') {
			if (!isPlainObject(body)) return bad('body must be an object of lead fields');
			return json(sim.uiCreateLead(body), 201);
		}
		mm = /^\/__sim\/ui\/leads\/(\d+)$/.exec(path);
		if (mm) {
			const id = Number(mm[1]);
			if (!store.getLead(id)) return bad(`lead ${id} not found`, 404);
			if (m === 'PATCH') {
				if (!isPlainObject(body)) return bad('body must be an object of lead fields');
				return json(sim.uiUpdateLead(id, body));
			}
			if (m === 'DELETE') {
				sim.uiDeleteLead(id);
				return json({ ok: true });
			}
		}
		if (path === '/__sim/seed/leads' && m === 'POST') {
			const b = isPlainObject(body) ? body : {};
			const count = Number(b.count ?? 0);
			if (!Number.isInteger(count) || count < 0 || count > 5_000_000) return bad('count must be an integer between 0 and 5000000');
			const template = isPlainObject(b.template) ? b.template : undefined;
			return json(store.seedLeads(count, template, b.logActivities === true));
		}
		if (path === '/__sim/lead-fields') {
			if (m === 'GET') return json(store.leadFields);
			if (m === 'POST') {
				if (!isPlainObject(body) || typeof body.name !== 'string' || typeof body.dataType !== 'string') {
					return bad('body must be {name, dataType, length?, displayName?, searchable?}');
				}
				return json(store.addLeadField(body as unknown as Parameters<typeof store.addLeadField>[0]), 201);
			}
		}
		mm = /^\/__sim\/lead-fields\/([^/]+)$/.exec(path);
		if (mm && m === 'DELETE') {
			return store.removeLeadField(decodeURIComponent(mm[1])) ? json({ ok: true }) : bad(`field ${mm[1]} not found`, 404);
		}
		mm = /^\/__sim\/objects\/(.+)$/.exec(path);
		if (mm && m === 'GET') {
			const type = decodeURIComponent(mm[1]);
			const table = store.table(type);
			return table ? json(table.list()) : bad(`unknown object type '${type}'`, 404);
		}
		if (path === '/__sim/activities' && m === 'GET') {
			const leadId = num(req.url.searchParams.get('leadId'));
			const typeId = num(req.url.searchParams.get('activityTypeId'));
			const list = store.activities
				.filter((a) => (leadId === undefined || a.leadId === leadId) && (typeId === undefined || a.typeId === typeId))
				.map((a) => activityForAdmin(store, a));
			return json(list);
		}
		if (path === '/__sim/activity-scan-limit' && m === 'PUT') {
			const n = isPlainObject(body) ? Number(body.limit) : NaN;
			if (!Number.isInteger(n) || n < 1) return bad('body must be {limit: positive integer}');
			store.activityScanLimit = n;
			return json({ ok: true });
		}
		return bad(`no admin route ${m} ${path}`, 404);
	} catch (error) {
		return bad((error as Error).message);
	}
}
