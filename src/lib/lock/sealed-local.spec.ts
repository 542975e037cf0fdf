// The console's kept chats (localStorage) sealed under the device key: read back only under the same
// storage key and device key; a value from before sealing is read as it is; nothing is sealed once the
// key is gone (signed out).
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { MemoryStorage } from '../testing/memory-storage';

beforeEach(() => {
	vi.resetModules();
	vi.stubGlobal('localStorage', new MemoryStorage());
});

describe('sealed localStorage values', () => {
	it('hold no plain text and open only under their own key', async () => {
		const { deviceKey, forgetDeviceKey } = await import('./device-key');
		const { openLocal, sealLocal } = await import('./sealed-local');
		await deviceKey('u1');
		const text = JSON.stringify({ messages: [{ body: '我的优惠券用不了，手机 13912345678' }] });
		const sealed = await sealLocal('u1', 'crm:inbox-cache:u1', text);
		expect(sealed).not.toContain('优惠券');
		expect(sealed).not.toContain('13912345678');
		expect(await openLocal('u1', 'crm:inbox-cache:u1', sealed)).toBe(text);
		expect(await openLocal('u1', 'crm:inbox-cache:u2', sealed)).toBeNull();
		expect(await openLocal('u1', 'k', '{"kept":"before sealing"}')).toBe('{"kept":"before sealing"}');
		expect(await openLocal('u1', 'k', null)).toBeNull();
		forgetDeviceKey('u1');
		await expect(sealLocal('u1', 'crm:inbox-cache:u1', text)).rejects.toThrow(/not open/);
	});
});
