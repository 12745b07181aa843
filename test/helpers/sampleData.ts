import type { Simulators } from './simulators';

export interface SampleSize {
	leads: number;
	contacts: number;
	accounts: number;
	opportunities: number;
	users: number;
	projects: number;
	marketoOnly: number;
}

export const DEMO_SIZE: SampleSize = { leads: 2000, contacts: 1500, accounts: 200, opportunities: 150, users: 20, projects: 100, marketoOnly: 50 };

const FIRST = ['Anna', 'Bram', 'Chloé', 'Daan', 'Eva', 'Finn', 'Greta', 'Hugo', 'Iris', 'Jules', 'Kim', 'Lars', 'Mila', 'Noah', 'Olga', 'Piet'];
const LAST = ['de Vries', 'Jansen', "O'Brien", 'Bakker', 'Visser', 'Smit', 'Meijer', 'Mulder', 'de Boer', 'Dekker', 'Brouwer', 'van Dijk'];
const CITIES = ['Amsterdam', 'Rotterdam', 'Utrecht', 'Eindhoven', 'Groningen', 'Leiden'];

/**
 * A realistic sample in the simulators: users and a team, accounts with contacts, leads,
 * opportunities with contact customers and two stakeholders each, a custom table, and persons
 * that exist only in Marketo. Everything is written "by a human" so the sync picks it up.
 */
export function seedSample(sims: Simulators, size: SampleSize): { contactIds: string[]; leadIds: string[]; opportunityIds: string[] } {
	const dv = sims.dataverse;
	const userIds: string[] = [];
	for (let i = 0; i < size.users; i++) {
		const first = FIRST[i % FIRST.length];
		const last = LAST[i % LAST.length];
		userIds.push(String(dv.addInteractiveUser(`${first.toLowerCase()}.${i}@contoso.test`, { firstname: first, lastname: last })));
	}
	const teamId = String(dv.create('team', { name: 'Inside Sales', teamtype: 0 }).teamid);
	const accountIds: string[] = [];
	for (let i = 0; i < size.accounts; i++) {
		const row = dv.create('account', {
			name: `${LAST[i % LAST.length]} ${['Holding', 'Logistics', 'Foods', 'Systems'][i % 4]} ${i}`,
			address1_city: CITIES[i % CITIES.length],
			telephone1: `+31 20 555 ${String(1000 + i)}`,
			numberofemployees: 10 + i,
			'ownerid@odata.bind': i % 10 === 9 ? `/teams(${teamId})` : `/systemusers(${userIds[i % userIds.length]})`,
		});
		accountIds.push(String(row.accountid));
	}
	const contactIds: string[] = [];
	for (let i = 0; i < size.contacts; i++) {
		const row = dv.create('contact', {
			firstname: FIRST[(i + 3) % FIRST.length],
			lastname: LAST[(i + 5) % LAST.length],
			emailaddress1: `contact${i}@customer.test`,
			jobtitle: ['Buyer', 'CFO', 'Engineer', 'Office Manager'][i % 4],
			address1_city: CITIES[i % CITIES.length],
			...(i % 7 === 6 ? {} : { 'parentcustomerid_account@odata.bind': `/accounts(${accountIds[i % accountIds.length]})` }),
			...(i % 25 === 24 ? { new_synctomkto: false } : {}),
		});
		contactIds.push(String(row.contactid));
	}
	const leadIds: string[] = [];
	for (let i = 0; i < size.leads; i++) {
		const row = dv.create('lead', {
			firstname: FIRST[i % FIRST.length],
			lastname: LAST[i % LAST.length],
			emailaddress1: `lead${i}@prospect.test`,
			companyname: `Prospect ${i % 300}`,
			subject: 'Website enquiry',
			telephone1: `+31 6 ${String(10000000 + i)}`,
			...(i % 30 === 29 ? { new_synctomkto: false } : {}),
		});
		leadIds.push(String(row.leadid));
	}
	const roles = dv.connectionRoleIds as unknown as Record<string, string>;
	const stakeholderRoles = Object.entries(roles).filter(([name]) => /stakeholder|decision/i.test(name)).map(([, id]) => id);
	const opportunityIds: string[] = [];
	for (let i = 0; i < size.opportunities; i++) {
		const contactCustomer = i % 2 === 0;
		const row = dv.create('opportunity', {
			name: `Deal ${i}: ${['Renewal', 'Upsell', 'New business'][i % 3]}`,
			estimatedvalue: 5000 + i * 250,
			closeprobability: (i * 7) % 100,
			...(contactCustomer
				? { 'customerid_contact@odata.bind': `/contacts(${contactIds[i % contactIds.length]})` }
				: { 'customerid_account@odata.bind': `/accounts(${accountIds[i % accountIds.length]})` }),
		});
		const opportunityId = String(row.opportunityid);
		opportunityIds.push(opportunityId);
		for (let s = 0; s < 2 && stakeholderRoles.length; s++) {
			dv.connect({ table: 'opportunity', id: opportunityId }, { table: 'contact', id: contactIds[(i * 3 + s + 1) % contactIds.length] }, stakeholderRoles[s % stakeholderRoles.length]);
		}
	}
	for (let i = 0; i < size.projects; i++) {
		dv.create('new_project', {
			new_name: `Project ${i}`,
			new_budget: 1000 * (i + 1),
			_new_contactid_value: contactIds[i % contactIds.length],
		});
	}
	for (let i = 0; i < size.marketoOnly; i++) {
		sims.marketo.uiCreateLead({ email: `webform${i}@visitor.test`, firstName: FIRST[i % FIRST.length], lastName: LAST[i % LAST.length], company: 'Visitor Co' });
	}
	return { contactIds, leadIds, opportunityIds };
}

/** What the two systems hold, for the demo's cycle report and the e2e checks. */
export function syncSnapshot(sims: Simulators) {
	const leads = [...(sims.marketo.store as any).leads.values()] as Array<Record<string, unknown>>;
	const objects = (type: string) => ((sims.marketo.store as any).objects(type) as unknown[]).length;
	return {
		marketoLeadsFromDynamics: leads.filter((l) => l.microsoftType === 'Lead').length,
		marketoContactsFromDynamics: leads.filter((l) => l.microsoftType === 'Contact').length,
		marketoFlaggedDeleted: leads.filter((l) => l.microsoftIsDeleted === true).length,
		marketoOnly: leads.filter((l) => !l.microsoftId).length,
		companies: objects('companies'),
		salesPersons: objects('salespersons'),
		opportunities: objects('opportunities'),
		opportunityRoles: objects('opportunityRoles'),
		customObjects: objects('customobjects/dynamicsProject_c'),
		dynamicsLeadsBySync: sims.dataverse.store.all('lead').filter((r: any) => r._createdby_value === sims.dataverse.syncUserId).length,
	};
}
