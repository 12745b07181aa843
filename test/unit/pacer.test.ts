import { Pacer } from '../../nodes/rate-limiting/pacer';

/** A clock the pacer's waits advance, so windows are checked without real time passing. */
function fakeClock() {
	let now = 1_000_000;
	return {
		now: () => now,
		delay: async (ms: number) => {
			now += ms;
		},
	};
}

describe('Pacer', () => {
	test('never starts more calls in a window than the budget', async () => {
		const clock = fakeClock();
		const pacer = new Pacer({ callsPerWindow: 10, windowMs: 20_000, concurrent: 100 }, clock.now, clock.delay);
		const starts: number[] = [];
		for (let i = 0; i < 35; i++) {
			const release = await pacer.acquire();
			starts.push(clock.now());
			release();
		}
		for (let i = 0; i < starts.length; i++) {
			const inWindow = starts.filter((t) => t > starts[i] - 20_000 && t <= starts[i]).length;
			expect(inWindow).toBeLessThanOrEqual(10);
		}
		// 35 calls at 10 per 20 s need at least three full windows of waiting.
		expect(starts[34] - starts[0]).toBeGreaterThanOrEqual(60_000);
	});

	test('keeps calls in flight under the concurrency budget', async () => {
		const pacer = new Pacer({ callsPerWindow: 1000, windowMs: 20_000, concurrent: 3 });
		let inFlight = 0;
		let peak = 0;
		await Promise.all(
			Array.from({ length: 12 }, async () => {
				const release = await pacer.acquire();
				inFlight++;
				peak = Math.max(peak, inFlight);
				await new Promise((r) => setImmediate(r));
				inFlight--;
				release();
			}),
		);
		expect(peak).toBe(3);
		expect(pacer.stats.calls).toBe(12);
	});

	test('a call counts in the window from its answer: a late arrival at the server never frees a slot early', async () => {
		// A clock that ticks on every reading, as real time passes between the grant and the request.
		let t = 1_000_000;
		const now = () => (t += 1);
		const pacer = new Pacer({ callsPerWindow: 1, windowMs: 1000, concurrent: 10 }, now, async (ms) => {
			t += ms;
		});
		const first = await pacer.acquire();
		const grantedAt = t;
		// The request is held up 400 ms in a busy process; the server counts it when it arrives.
		t += 400;
		first();
		const answeredAt = t;
		await pacer.acquire();
		// Not at grant + window, when the server still holds the first call in its window.
		expect(t).toBeGreaterThanOrEqual(answeredAt + 1000);
		expect(t).toBeGreaterThan(grantedAt + 1400);
	});

	test('a weighted call ($batch of N parts) uses N slots of the window', async () => {
		const clock = fakeClock();
		const pacer = new Pacer({ callsPerWindow: 10, windowMs: 1000, concurrent: 10 }, clock.now, clock.delay);
		(await pacer.acquire(8))();
		const before = clock.now();
		(await pacer.acquire(5))();
		expect(clock.now() - before).toBeGreaterThanOrEqual(1000);
	});

	test('pushback pauses everyone and narrows the budget', async () => {
		const clock = fakeClock();
		const pacer = new Pacer({ callsPerWindow: 100, windowMs: 20_000, concurrent: 10 }, clock.now, clock.delay);
		(await pacer.acquire())();
		const before = clock.now();
		pacer.pushback('rate', 5000);
		(await pacer.acquire())();
		expect(clock.now() - before).toBeGreaterThanOrEqual(5000);
		expect(pacer.stats.pushbacks).toBe(1);
	});
});
