// `npm run simulators`: Entra ID, Dataverse and Marketo simulators on loopback until Ctrl-C.
// Ports: ENTRA_PORT, DATAVERSE_PORT, MARKETO_PORT (default 4010, 4020, 4030).
import { startSimulators } from '../test/helpers/simulators';

async function main() {
	const sims = await startSimulators({
		entra: Number(process.env.ENTRA_PORT ?? 4010),
		dataverse: Number(process.env.DATAVERSE_PORT ?? 4020),
		marketo: Number(process.env.MARKETO_PORT ?? 4030),
	});
	const lines = [
		`Entra ID   ${sims.entra.url}   (token endpoint ${sims.entra.url}/tenant1/oauth2/v2.0/token)`,
		`Dataverse  ${sims.dataverse.url}   (Web API ${sims.dataverse.url}/api/data/v9.2/, admin ${sims.dataverse.url}/__sim/stats)`,
		`Marketo    ${sims.marketo.url}   (REST ${sims.marketo.url}/rest, admin ${sims.marketo.url}/__sim/stats)`,
		'',
		'Credentials:',
		`  Microsoft Dynamics 365 API: ${JSON.stringify(sims.dynamicsCredentials)}`,
		`  Marketo API: ${JSON.stringify(sims.marketoCredentials)}`,
		'',
		'Ctrl-C stops them.',
	];
	process.stdout.write(`${lines.join('\n')}\n`);
	const stop = async () => {
		await sims.stop();
		process.exit(0);
	};
	process.on('SIGINT', () => void stop());
	process.on('SIGTERM', () => void stop());
}

void main();
