import { backoffDelay, REQUEST_TIMEOUT_ENV, requestTimeoutMs, retryAfterMs } from '../../nodes/transport/retry';
import { odataEquals, odataString, entityPath, isGuid, assertFieldName } from '../../nodes/transport/odata';
import { marketoChunks, nextCentralMidnight, MARKETO_MAX_BODY_BYTES } from '../../nodes/transport/marketo';
import { parseBatchResponse } from '../../nodes/transport/dataverseApi';
import { parseDataverseError } from '../../nodes/transport/dataverse';
import { networkErrorCode, redact } from '../../nodes/transport/errors';
import { isLoopbackHost, parseSecureUrl } from '../../nodes/transport/urls';
import { marketoBaseUrl } from '../../nodes/transport/marketoIdentity';
import { describeEntraError } from '../../nodes/transport/entraToken';

describe('OData escaping', () => {
	test('doubles single quotes so a value cannot end the literal', () => {
		expect(odataString("O'Brien")).toBe("'O''Brien'");
		expect(odataEquals('emailaddress1', "x' or lastname ne 'y")).toBe("emailaddress1 eq 'x'' or lastname ne ''y'");
	});

	test('numbers, booleans and null are not quoted', () => {
		expect(odataEquals('statecode', 0)).toBe('statecode eq 0');
		expect(odataEquals('new_synctomkto', false)).toBe('new_synctomkto eq false');
		expect(odataEquals('_parentcustomerid_value', null)).toBe('_parentcustomerid_value eq null');
	});

	test('refuses field names that are not identifiers', () => {
		expect(() => assertFieldName('lastname eq 1 or x')).toThrow(/not a valid Dataverse column name/);
		expect(() => odataEquals('a;b', 'x')).toThrow();
	});

	test('entity paths need a real GUID', () => {
		expect(entityPath('leads', '9F2C1E8A-1111-4222-8333-444455556666')).toBe('leads(9f2c1e8a-1111-4222-8333-444455556666)');
		expect(() => entityPath('leads', "1) or (1")).toThrow(/not a valid record ID/);
		expect(isGuid('not-a-guid')).toBe(false);
	});
});

describe('Marketo batching', () => {
	test('chunks of at most 300 records, in input order', () => {
		const records = Array.from({ length: 650 }, (_, i) => ({ email: `p${i}@x.test` }));
		const chunks = marketoChunks(records);
		expect(chunks.map((c) => c.length)).toEqual([300, 300, 50]);
		expect(chunks.flat()).toEqual(records);
	});

	test('splits earlier when the JSON body would pass 1 MB', () => {
		const big = 'x'.repeat(10_000);
		const records = Array.from({ length: 250 }, (_, i) => ({ email: `p${i}@x.test`, notes: big }));
		const chunks = marketoChunks(records);
		expect(chunks.length).toBeGreaterThan(2);
		for (const chunk of chunks) expect(Buffer.byteLength(JSON.stringify({ input: chunk }))).toBeLessThan(MARKETO_MAX_BODY_BYTES);
		expect(chunks.flat().length).toBe(250);
	});

	test('the daily quota resets at midnight US Central', () => {
		const noonUtc = Date.parse('2026-11-22T12:00:00Z');
		expect(new Date(nextCentralMidnight(noonUtc)).toISOString()).toBe('2026-11-23T06:00:00.000Z');
	});
});

describe('retries', () => {
	test('backoff grows exponentially, is capped and jittered', () => {
		expect(backoffDelay(0, { baseMs: 500, capMs: 30_000 }, () => 0)).toBe(250);
		expect(backoffDelay(3, { baseMs: 500, capMs: 30_000 }, () => 1)).toBe(4000);
		expect(backoffDelay(20, { baseMs: 500, capMs: 30_000 }, () => 1)).toBe(30_000);
	});

	test('Retry-After in seconds or as a date', () => {
		expect(retryAfterMs('7')).toBe(7000);
		expect(retryAfterMs(['2'])).toBe(2000);
		expect(retryAfterMs(new Date(Date.now() + 3000).toUTCString())).toBeGreaterThan(1000);
		expect(retryAfterMs(undefined)).toBeUndefined();
	});

	test('request timeout: 120 s unless the environment lowers it (never raises it, never below 1 s)', () => {
		expect(requestTimeoutMs({})).toBe(120_000);
		expect(requestTimeoutMs({ [REQUEST_TIMEOUT_ENV]: '15000' })).toBe(15_000);
		expect(requestTimeoutMs({ [REQUEST_TIMEOUT_ENV]: '600000' })).toBe(120_000);
		expect(requestTimeoutMs({ [REQUEST_TIMEOUT_ENV]: '10' })).toBe(1000);
		expect(requestTimeoutMs({ [REQUEST_TIMEOUT_ENV]: 'soon' })).toBe(120_000);
		expect(requestTimeoutMs({ [REQUEST_TIMEOUT_ENV]: '' })).toBe(120_000);
	});

	test('network error codes are found through n8n wrappers', () => {
		expect(networkErrorCode({ message: 'x', cause: { code: 'ECONNRESET' } })).toBe('ECONNRESET');
		expect(networkErrorCode({ message: 'socket hang up' })).toBe('ECONNRESET');
		expect(networkErrorCode({ message: 'Bad request' })).toBeUndefined();
	});
});

describe('error mapping', () => {
	test('Dataverse error bodies give code and message', () => {
		expect(parseDataverseError({ error: { code: '0x80044331', message: 'too long' } }, 400)).toEqual({ code: '0x80044331', message: 'too long' });
		expect(parseDataverseError('<html>oops</html>', 502)).toEqual({ code: '', message: '<html>oops</html>' });
	});

	test('$batch answers are read part by part, change sets flattened', () => {
		const text = [
			'--batchresponse_1',
			'Content-Type: multipart/mixed; boundary=changesetresponse_2',
			'',
			'--changesetresponse_2',
			'Content-Type: application/http',
			'Content-Transfer-Encoding: binary',
			'',
			'HTTP/1.1 204 No Content',
			'OData-Version: 4.0',
			'',
			'',
			'--changesetresponse_2--',
			'--batchresponse_1',
			'Content-Type: application/http',
			'Content-Transfer-Encoding: binary',
			'',
			'HTTP/1.1 400 Bad Request',
			'Content-Type: application/json',
			'',
			'{"error":{"code":"0x80044331","message":"The length of the \'lastname\' attribute exceeded"}}',
			'--batchresponse_1--',
			'',
		].join('\r\n');
		const results = parseBatchResponse(text, 'multipart/mixed; boundary=batchresponse_1');
		expect(results.map((r) => r.status)).toEqual([204, 400]);
		expect(results[1].error?.code).toBe('0x80044331');
	});

	test('Entra errors become advice and never carry the secret', () => {
		const message = describeEntraError({ errorMessage: 'AADSTS7000215: Invalid client secret provided. secret=TopSecret123' }, { clientSecret: 'TopSecret123' });
		expect(message).toMatch(/client secret is wrong/);
		expect(message).not.toContain('TopSecret123');
		expect(describeEntraError({ errorMessage: 'AADSTS50076: MFA' }, {})).toMatch(/multi-factor/);
		// MSAL's bare network_error (the token request never got an answer) names the authority host.
		expect(describeEntraError({ errorCode: 'network_error', errorMessage: 'See https://aka.ms/msal.js.errors#network_error for details' }, {})).toMatch(
			/^Cannot reach the authority host to get a token/,
		);
	});

	test('redact hides secrets, bearer tokens and secret query values', () => {
		expect(redact('token Bearer abc.def.ghi and client_secret=xyz&a=1 and s3cr3t!', ['s3cr3t!'])).toBe('token Bearer *** and client_secret=***&a=1 and ***');
	});
});

describe('URLs', () => {
	test('https everywhere, http only on loopback', () => {
		expect(parseSecureUrl('https://org.crm.dynamics.com/', 'Environment URL').host).toBe('org.crm.dynamics.com');
		expect(parseSecureUrl('http://127.0.0.1:4000', 'X').port).toBe('4000');
		expect(() => parseSecureUrl('http://org.crm.dynamics.com', 'Environment URL')).toThrow(/must use https/);
		expect(() => parseSecureUrl('ftp://x', 'X')).toThrow(/must use https/);
		expect(() => parseSecureUrl('not a url', 'X')).toThrow(/not a valid URL/);
		expect(isLoopbackHost('[::1]')).toBe(true);
		expect(isLoopbackHost('127.8.9.10')).toBe(true);
		expect(isLoopbackHost('10.0.0.1')).toBe(false);
	});

	test('the Marketo base URL is normalised whatever the user pasted', () => {
		expect(marketoBaseUrl('https://123-ABC-456.mktorest.com/rest/')).toBe('https://123-abc-456.mktorest.com');
		expect(marketoBaseUrl('https://123-ABC-456.mktorest.com/identity')).toBe('https://123-abc-456.mktorest.com');
	});
});
