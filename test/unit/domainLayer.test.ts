import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * The CRM port (nodes/crm) is the only way the sync's domain code reaches the CRM: the conflict,
 * merge, state and person-pipeline code and the person nodes must not import Dataverse modules or
 * spell Dataverse names, so a second CRM (Salesforce) is one more port implementation. This reads
 * the sources as they are; a new direct import fails it with the file and the line.
 */
const NODES = join(__dirname, '..', '..', 'nodes');

/** Domain code and the nodes built on it (descriptions excepted: their UI texts name columns). */
const DOMAIN = ['conflict', 'ResolveConflict', 'UpsertPerson', 'SyncPerson', 'DeletePerson', 'persons'];
/**
 * Not domain logic: how a Dynamics 365 Trigger item or a plain Dataverse row is recognised (the
 * trigger's item contract), and the editor's column pickers (load options over Dataverse metadata).
 */
const DYNAMICS_FACING = ['persons/tables.ts', 'persons/uiMethods.ts'];

/** Modules that speak Dataverse: only nodes/crm/dynamics* (and transport itself) may import them. */
const DATAVERSE_MODULES = [/transport\/dataverse/, /transport\/odata/, /records\/dataverseRows/, /persons\/dynamicsWrite/, /persons\/metadata/];
/** Dataverse spellings that have no place in domain logic. */
const DATAVERSE_NAMES = [/@odata\./, /_masterid_value/, /originatingleadid/, /\bleadid\b/, /\bcontactid\b/, /lookuplogicalname/];
/** Dataverse functions that a barrel (nodes/persons) could pass on: the port wraps them. */
const DATAVERSE_FUNCTIONS = /(?<![.\w])(writeDynamics|findDynamicsBy\w+|dynamicsColumnMap|loadChoiceLabels|needsChoiceLabels|toDynamicsValue|marketoValueOfColumn|rowsByIds|presentColumns|getByKeys\w*|executeBatch|dataverseRequest|listColumns|choiceColumns)\s*\(/;

function sources(path: string): string[] {
	const full = join(NODES, path);
	if (statSync(full).isFile()) return [full];
	return readdirSync(full).flatMap((name) => sources(join(path, name)));
}

const files = DOMAIN.flatMap(sources).filter((f) => f.endsWith('.ts') && !/description/i.test(f) && !DYNAMICS_FACING.some((d) => f.endsWith(d)));

describe('domain code reaches the CRM only through the port', () => {
	it('reads a real set of files', () => {
		expect(files.length).toBeGreaterThan(15);
	});

	it.each(files.map((f) => [relative(NODES, f), f]))('%s', (_name, file) => {
		const problems: string[] = [];
		readFileSync(file, 'utf8')
			.split('\n')
			.forEach((line, k) => {
				const code = line.replace(/\/\/.*$/, '').replace(/^\s*\*.*$/, '');
				if (/^\s*(import|export)\b.*from\s+'/.test(code) && DATAVERSE_MODULES.some((m) => m.test(code))) problems.push(`${k + 1}: imports ${code.trim()}`);
				else if (DATAVERSE_NAMES.some((n) => n.test(code))) problems.push(`${k + 1}: names Dataverse: ${code.trim()}`);
				else if (DATAVERSE_FUNCTIONS.test(code)) problems.push(`${k + 1}: calls Dataverse past the port: ${code.trim()}`);
			});
		expect(problems).toEqual([]);
	});
});
