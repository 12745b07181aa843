/** Hosts for which plain http is allowed: the loopback range only (local simulators). */
export function isLoopbackHost(hostname: string): boolean {
	const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
	return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

/**
 * Parses a URL the user typed into a credential and refuses anything but https (plain http only
 * for loopback), so tokens and secrets never travel in clear text.
 */
export function parseSecureUrl(raw: unknown, fieldLabel: string): URL {
	const text = typeof raw === 'string' ? raw.trim() : '';
	if (!text) throw new Error(`${fieldLabel} is empty`);
	const url = URL.canParse(text) ? new URL(text) : undefined;
	if (!url) throw new Error(`${fieldLabel} "${text}" is not a valid URL (expected e.g. https://host.example.com)`);
	if (url.protocol === 'https:') return url;
	if (url.protocol === 'http:' && isLoopbackHost(url.hostname)) return url;
	throw new Error(
		`${fieldLabel} must use https:// (plain http is accepted only for loopback hosts such as 127.0.0.1); got "${url.protocol}//${url.host}"`,
	);
}

/** The URL's origin plus path without trailing slashes, e.g. "https://org.crm.dynamics.com". */
export function baseUrlOf(url: URL, stripSuffix?: RegExp): string {
	let path = url.pathname.replace(/\/+$/, '');
	if (stripSuffix) path = path.replace(stripSuffix, '');
	return `${url.origin}${path}`;
}
