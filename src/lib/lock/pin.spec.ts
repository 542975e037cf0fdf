import { describe, expect, it } from 'vitest';
import { idleExpired, makePinRecord, pinMatches, pinProblem, readPinRecord } from './pin';

describe('pinProblem', () => {
	it('takes 4 to 8 digits', () => {
		for (const pin of ['2580', '19370428', '7391']) expect(pinProblem(pin)).toBeNull();
		for (const pin of ['', '123', '123456789', '12a4', ' 1937', '١٢٣٤']) expect(pinProblem(pin)).toBe('format');
	});
	it('refuses the PINs anybody tries first', () => {
		for (const pin of ['0000', '1111', '1234', '4321', '8901', '98765', '0123456']) expect(pinProblem(pin)).toBe('weak');
	});
});

describe('the stored PIN', () => {
	it('keeps a salted hash, never the PIN, and checks it', async () => {
		const rec = await makePinRecord('7391', 5, 1000);
		expect(JSON.stringify(rec)).not.toContain('7391');
		expect(await pinMatches(rec, '7391')).toBe(true);
		expect(await pinMatches(rec, '7392')).toBe(false);
		const again = await makePinRecord('7391', 5, 1000);
		expect(again.hash).not.toBe(rec.hash); // a new salt each time
	});
	it('reads back what it wrote, and nothing from a damaged record', async () => {
		const rec = await makePinRecord('2580', 15, 1000);
		expect(readPinRecord(JSON.stringify(rec))).toEqual(rec);
		expect(readPinRecord('{"v":1}')).toBeNull();
		expect(readPinRecord('not json')).toBeNull();
		expect(readPinRecord(null)).toBeNull();
	});
});

describe('idleExpired', () => {
	it('locks after the chosen minutes without a touch, not before', () => {
		expect(idleExpired(0, 5 * 60_000 - 1, 5)).toBe(false);
		expect(idleExpired(0, 5 * 60_000, 5)).toBe(true);
	});
});
