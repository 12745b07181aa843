import { defaultWinner, type ConflictPolicy } from '../../nodes/conflict/policy';
import { resolveRecord } from '../../nodes/conflict/resolve';
import {
	buildSyncState,
	fingerprint,
	keepBaseFor,
	matchesSyncState,
	nextSyncState,
	normalise,
	parseSyncState,
	sameValue,
	serialiseSyncState,
} from '../../nodes/conflict/syncState';

const NATIVE: ConflictPolicy = { kind: 'entityDefault' };
const FIELDS = ['firstName', 'lastName', 'email', 'phone'];
const SYNCED = { firstName: 'Ann', lastName: 'Lee', email: 'ann@example.com', phone: '555-0100' };

function run(entity: string, marketo: Record<string, unknown>, dynamics: Record<string, unknown>, policy: ConflictPolicy = NATIVE, extra: Partial<Parameters<typeof resolveRecord>[0]> = {}) {
	return resolveRecord({ entity, fields: FIELDS, marketo, dynamics, base: buildSyncState(SYNCED), policy, ...extra });
}

describe('normalise / sameValue', () => {
	it('treats the empty forms alike', () => {
		expect(normalise(null)).toBe('');
		expect(normalise(undefined)).toBe('');
		expect(normalise('   ')).toBe('');
		expect(sameValue(null, '')).toBe(true);
	});

	it('compares numbers and numeric text, booleans and their text', () => {
		expect(sameValue(8, '8')).toBe(true);
		expect(sameValue(1000, '1000.00')).toBe(true);
		expect(sameValue(true, 'true')).toBe(true);
		expect(sameValue(false, 'FALSE')).toBe(true);
		expect(sameValue(1, true)).toBe(false);
	});

	it('keeps leading zeros and long digit strings exact (phone numbers, ids)', () => {
		expect(sameValue('0612345678', 612345678)).toBe(false);
		expect(sameValue('12345678901234567890', '12345678901234567000')).toBe(false);
	});

	it('compares instants to the second, whatever the zone notation', () => {
		expect(sameValue('2024-05-01T10:00:00Z', '2024-05-01T10:00:00.000Z')).toBe(true);
		expect(sameValue('2024-05-01T12:00:00+02:00', '2024-05-01T10:00:00Z')).toBe(true);
		expect(sameValue('2024-05-01T10:00:00', '2024-05-01T10:00:00Z')).toBe(true);
		expect(sameValue('2024-05-01T10:00:01Z', '2024-05-01T10:00:00Z')).toBe(false);
	});
});

describe('sync state encoding', () => {
	it('round-trips and ignores unreadable states', () => {
		const state = buildSyncState({ firstName: 'Ann', score: 12 }, new Date('2024-01-01T00:00:00Z'));
		expect(parseSyncState(serialiseSyncState(state))).toEqual(state);
		expect(parseSyncState('')).toBeUndefined();
		expect(parseSyncState('not json')).toBeUndefined();
		expect(parseSyncState('{"v":1,"f":null}')).toBeUndefined();
		expect(parseSyncState('{"v":2,"f":{}}')).toBeUndefined();
		expect(parseSyncState(42)).toBeUndefined();
	});

	it('stores fingerprints, not values', () => {
		const text = serialiseSyncState(buildSyncState({ email: 'secret@example.com' }));
		expect(text).not.toContain('secret');
		expect(JSON.parse(text).f.email).toBe(fingerprint('secret@example.com'));
	});

	it('keeps fingerprints of fields not synced this time', () => {
		const base = buildSyncState({ a: 1, b: 2 });
		const next = nextSyncState(base, { b: 3 });
		expect(next.f.a).toBe(base.f.a);
		expect(next.f.b).toBe(fingerprint(3));
	});

	it('recognises an echo only when every given field matches', () => {
		const state = buildSyncState(SYNCED);
		expect(matchesSyncState({ firstName: 'Ann', lastName: 'Lee' }, state)).toBe(true);
		expect(matchesSyncState({ firstName: 'Anne', lastName: 'Lee' }, state)).toBe(false);
		expect(matchesSyncState({ unknownField: 'x' }, state)).toBe(false);
		expect(matchesSyncState({}, state)).toBe(false);
		expect(matchesSyncState({ firstName: 'Ann' }, undefined)).toBe(false);
	});
});

describe('keepBaseFor: the state for writes not (yet) accepted', () => {
	test('the given fields go back to their old fingerprint, or drop out where the base had none; the others keep the new one', () => {
		const base = buildSyncState({ title: 'Buyer', phone: '1' });
		const next = buildSyncState({ title: 'x'.repeat(206), phone: '2', city: 'Zwolle' });
		const kept = keepBaseFor(next, base, ['title', 'city']);
		expect(kept.f).toEqual({ title: fingerprint('Buyer'), phone: fingerprint('2') });
		expect(next.f.title).toBe(fingerprint('x'.repeat(206)));
		expect(keepBaseFor(next, undefined, ['title']).f).toEqual({ phone: fingerprint('2'), city: fingerprint('Zwolle') });
	});
});

describe('resolveRecord', () => {
	it('native rule: Marketo wins for leads, Dynamics for contacts and one-way entities', () => {
		expect(defaultWinner('lead')).toBe('marketo');
		expect(defaultWinner('contact')).toBe('dynamics');
		expect(defaultWinner('account')).toBe('dynamics');
	});

	it('merges fields changed on one side only, on both sides at once', () => {
		const r = run('lead', { ...SYNCED, firstName: 'Annie' }, { ...SYNCED, phone: '555-0199' });
		expect(r.toDynamics).toEqual({ firstName: 'Annie' });
		expect(r.toMarketo).toEqual({ phone: '555-0199' });
		expect(r.merged).toEqual({ ...SYNCED, firstName: 'Annie', phone: '555-0199' });
		expect(r.collisions).toEqual([]);
		expect(r.merged1Side).toEqual({ marketo: ['firstName'], dynamics: ['phone'] });
		expect(r.state.f.firstName).toBe(fingerprint('Annie'));
		expect(r.state.f.phone).toBe(fingerprint('555-0199'));
		expect(r.stateChanged).toBe(true);
	});

	it('a field changed on both sides: Marketo wins for a lead', () => {
		const r = run('lead', { ...SYNCED, firstName: 'Annie' }, { ...SYNCED, firstName: 'Anne' });
		expect(r.toDynamics).toEqual({ firstName: 'Annie' });
		expect(r.toMarketo).toEqual({});
		expect(r.collisions).toEqual([
			{ field: 'firstName', marketoValue: 'Annie', dynamicsValue: 'Anne', winner: 'marketo', reason: expect.stringContaining('Marketo wins for leads') },
		]);
	});

	it('a field changed on both sides: Dynamics wins for a contact', () => {
		const r = run('contact', { ...SYNCED, firstName: 'Annie' }, { ...SYNCED, firstName: 'Anne' });
		expect(r.toMarketo).toEqual({ firstName: 'Anne' });
		expect(r.toDynamics).toEqual({});
		expect(r.collisions[0]).toMatchObject({ field: 'firstName', winner: 'dynamics' });
		expect(r.merged.firstName).toBe('Anne');
	});

	it('both sides changed to the same value: no collision, nothing to write', () => {
		const r = run('lead', { ...SYNCED, firstName: 'Anne' }, { ...SYNCED, firstName: 'Anne' });
		expect(r.collisions).toEqual([]);
		expect(r.toMarketo).toEqual({});
		expect(r.toDynamics).toEqual({});
		expect(r.stateChanged).toBe(true);
	});

	it('collision and one-side changes in the same record', () => {
		const r = run('lead', { ...SYNCED, firstName: 'Annie', email: 'ann@new.example' }, { ...SYNCED, firstName: 'Anne', lastName: 'Li' });
		expect(r.toDynamics).toEqual({ firstName: 'Annie', email: 'ann@new.example' });
		expect(r.toMarketo).toEqual({ lastName: 'Li' });
		expect(r.collisions.map((c) => c.field)).toEqual(['firstName']);
	});

	it('a chosen system always wins', () => {
		const m = { ...SYNCED, firstName: 'Annie' };
		const d = { ...SYNCED, firstName: 'Anne' };
		expect(run('lead', m, d, { kind: 'systemWins', system: 'dynamics' }).toMarketo).toEqual({ firstName: 'Anne' });
		expect(run('contact', m, d, { kind: 'systemWins', system: 'marketo' }).toDynamics).toEqual({ firstName: 'Annie' });
		expect(run('contact', m, d, { kind: 'systemWins', system: 'marketo' }).collisions[0].reason).toContain('Marketo always wins');
	});

	it('per-field owner, with the native rule (or a fallback) for fields without owner', () => {
		const m = { ...SYNCED, firstName: 'Annie', phone: '1' };
		const d = { ...SYNCED, firstName: 'Anne', phone: '2' };
		const r = run('lead', m, d, { kind: 'perField', owners: { phone: 'dynamics' } });
		expect(r.toMarketo).toEqual({ phone: '2' });
		expect(r.toDynamics).toEqual({ firstName: 'Annie' });
		expect(r.collisions.find((c) => c.field === 'phone')?.reason).toContain('Dynamics owns phone');
		expect(r.collisions.find((c) => c.field === 'firstName')?.reason).toContain('no owner set');
		const fallback = run('lead', m, d, { kind: 'perField', owners: { phone: 'marketo' }, fallback: 'dynamics' });
		expect(fallback.toDynamics).toEqual({ phone: '1' });
		expect(fallback.toMarketo).toEqual({ firstName: 'Anne' });
	});

	it('most recent change wins; ties and unknown times fall back to the native rule', () => {
		const m = { ...SYNCED, firstName: 'Annie' };
		const d = { ...SYNCED, firstName: 'Anne' };
		const policy: ConflictPolicy = { kind: 'mostRecent' };
		const dynamicsLater = run('lead', m, d, policy, { marketoModifiedAt: '2024-05-01T10:00:00Z', dynamicsModifiedAt: '2024-05-01T10:05:00Z' });
		expect(dynamicsLater.toMarketo).toEqual({ firstName: 'Anne' });
		expect(dynamicsLater.collisions[0].reason).toContain('Dynamics changed it last');
		const marketoLater = run('contact', m, d, policy, { marketoModifiedAt: '2024-05-01T11:00:00Z', dynamicsModifiedAt: '2024-05-01T10:05:00Z' });
		expect(marketoLater.toDynamics).toEqual({ firstName: 'Annie' });
		const tie = run('contact', m, d, policy, { marketoModifiedAt: '2024-05-01T10:00:00Z', dynamicsModifiedAt: '2024-05-01T10:00:00Z' });
		expect(tie.collisions[0].winner).toBe('dynamics');
		const unknown = run('lead', m, d, policy);
		expect(unknown.collisions[0].winner).toBe('marketo');
	});

	it('first sync without a stored state: empty sides are filled, equal values agree, different values collide', () => {
		const r = resolveRecord({
			entity: 'lead',
			fields: FIELDS,
			marketo: { firstName: 'Ann', lastName: null, email: 'ann@example.com', phone: '111' },
			dynamics: { firstName: 'Ann', lastName: 'Lee', email: '', phone: '222' },
			policy: NATIVE,
		});
		expect(r.toMarketo).toEqual({ lastName: 'Lee' });
		expect(r.toDynamics).toEqual({ email: 'ann@example.com', phone: '111' });
		expect(r.collisions).toEqual([expect.objectContaining({ field: 'phone', winner: 'marketo', reason: expect.stringContaining('no earlier sync') })]);
		expect(Object.keys(r.state.f).sort()).toEqual([...FIELDS].sort());
		expect(r.stateChanged).toBe(true);
	});

	it('one-way entities: Dynamics always wins, even over a Marketo edit', () => {
		const r = resolveRecord({
			entity: 'account',
			fields: ['company', 'website'],
			marketo: { company: 'Edited in Marketo', website: 'https://a.example' },
			dynamics: { company: 'Contoso', website: 'https://a.example' },
			base: buildSyncState({ company: 'Contoso', website: 'https://a.example' }),
			policy: { kind: 'systemWins', system: 'marketo' },
		});
		expect(r.toMarketo).toEqual({ company: 'Contoso' });
		expect(r.toDynamics).toEqual({});
		expect(r.collisions).toEqual([]);
	});

	it('one-way fields of a two-way entity only move Dynamics → Marketo', () => {
		const r = resolveRecord({
			entity: 'lead',
			fields: ['leadStatus', 'firstName'],
			marketo: { leadStatus: 'Edited', firstName: 'Ann' },
			dynamics: { leadStatus: 1, firstName: 'Ann' },
			base: buildSyncState({ leadStatus: 0, firstName: 'Ann' }),
			policy: NATIVE,
			oneWay: ['leadStatus'],
		});
		expect(r.toMarketo).toEqual({ leadStatus: 1 });
		expect(r.toDynamics).toEqual({});
	});

	it('echo: values equal to the stored state give nothing to write and an unchanged state', () => {
		const r = run('lead', { ...SYNCED }, { ...SYNCED });
		expect(r.toMarketo).toEqual({});
		expect(r.toDynamics).toEqual({});
		expect(r.collisions).toEqual([]);
		expect(r.stateChanged).toBe(false);
	});

	it('fields unknown on one side are left alone and keep their fingerprint', () => {
		const base = buildSyncState(SYNCED);
		const r = resolveRecord({
			entity: 'contact',
			fields: FIELDS,
			marketo: { ...SYNCED, phone: 'changed' },
			dynamics: { firstName: 'Ann', lastName: 'Lee', email: 'ann@example.com' },
			base,
			policy: NATIVE,
		});
		expect(r.toDynamics).toEqual({});
		expect(r.merged).not.toHaveProperty('phone');
		expect(r.state.f.phone).toBe(base.f.phone);
	});

	it('numeric and boolean forms of the same value are not a change', () => {
		const r = resolveRecord({
			entity: 'lead',
			fields: ['leadSource', 'doNotCall'],
			marketo: { leadSource: '8', doNotCall: 'true' },
			dynamics: { leadSource: 8, doNotCall: true },
			base: buildSyncState({ leadSource: 8, doNotCall: true }),
			policy: NATIVE,
		});
		expect(r.toMarketo).toEqual({});
		expect(r.toDynamics).toEqual({});
		expect(r.stateChanged).toBe(false);
	});
});
