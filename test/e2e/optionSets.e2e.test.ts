import { eventually, startTemplateRun, type TemplateRun } from './templateRun';
import type { Simulators } from '../helpers/simulators';

/**
 * Choice columns in the shipped template, in real n8n 2.41.1 with the packed package: a Dynamics
 * lead's leadsourcecode 8 reaches Marketo as leadSource "Web" and statecode 0 as leadStatus "Open"
 * (their labels); a label a Marketo user picks reaches Dynamics as its choice value.
 */
jest.setTimeout(600_000);

describe('option sets in the sync template (real n8n)', () => {
	let sims: Simulators;
	let leadId: string;

	let run: TemplateRun;

	beforeAll(async () => {
		run = await startTemplateRun('optionsets', (s) => {
			leadId = String(s.dataverse.create('lead', { firstname: 'Olga', lastname: 'Options', emailaddress1: 'olga@options.test', subject: 'Choices', leadsourcecode: 8 }).leadid);
		});
		({ sims } = run);
	}, 900_000);

	afterAll(async () => {
		await run?.stop();
	});

	const personOf = (dynamicsId: string) => {
		const [id] = sims.marketo.store.findLeadIds('microsoftId', dynamicsId);
		return id === undefined ? undefined : ({ ...sims.marketo.store.getLead(id)!, id } as Record<string, unknown> & { id: number });
	};

	test('Dynamics choices arrive as labels; a Marketo label comes back as the choice value', async () => {
		await eventually('the lead in Marketo', () => personOf(leadId) !== undefined);
		const person = personOf(leadId)!;
		expect(person.leadSource).toBe('Web');
		expect(person.leadStatus).toBe('Open');

		sims.marketo.uiUpdateLead(person.id, { leadSource: 'Seminar' });
		await eventually('the Marketo label as a Dynamics choice value', () => sims.dataverse.store.get('lead', leadId)?.leadsourcecode === 6);
		expect(personOf(leadId)?.leadSource).toBe('Seminar');
	});
});
