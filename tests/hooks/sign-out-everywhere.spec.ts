// "Sign out everywhere" (issue 13, a lost phone; server/signout.go): every session of the person stops
// at once, and a device that comes back with one is told to delete its data (401 with
// account.code = signed_out_everywhere), not merely to sign in again; the next sign-in works. Only the
// person or an administrator may do it, and it is audited.
import { beforeAll, expect, it } from 'vitest';
import PocketBase from 'pocketbase';
import { signIn, url } from './helpers';
import { newStaff } from './chat-helpers';

let owner: PocketBase;
beforeAll(async () => {
	owner = await signIn('owner');
});

function sessionOf(token: string) {
	const pb = new PocketBase(url());
	pb.autoCancellation(false);
	pb.authStore.save(token, null);
	return pb;
}

it('ends every session of the person; each device is told to delete its data; signing in again works', async () => {
	const rep = await newStaff(url(), owner, 'sales', '丢了手机的销售');
	const email = rep.pb.authStore.record!.email as string;
	const password = `${email.split('@')[0]}-password-1`;
	const otherDevice = new PocketBase(url());
	await otherDevice.collection('staff').authWithPassword(email, password);
	expect((await otherDevice.collection('customers').getList(1, 1)).page).toBe(1);

	expect(await rep.pb.send(`/api/crm/staff/${rep.id}/sign-out-everywhere`, { method: 'POST' })).toEqual({ signed_out: true });
	for (const token of [rep.pb.authStore.token, otherDevice.authStore.token]) {
		for (const call of [
			(pb: PocketBase) => pb.collection('customers').getList(1, 1),
			(pb: PocketBase) => pb.collection('staff').authRefresh(),
			(pb: PocketBase) => pb.send('/api/crm/sync/customers/push', { method: 'POST', body: { rows: [] } })
		]) {
			await expect(call(sessionOf(token))).rejects.toMatchObject({ status: 401, response: { data: { account: { code: 'signed_out_everywhere' } } } });
		}
	}
	const again = new PocketBase(url());
	await again.collection('staff').authWithPassword(email, password);
	expect((await again.collection('customers').getList(1, 1)).page).toBe(1);

	const audit = (await owner.send(`/api/crm/audit?target=${rep.id}&action=staff.sign_out_everywhere`, {})).items;
	expect(audit[0]).toMatchObject({ actor: rep.id, role: 'sales' });
});

it('only the person or an administrator may sign them out everywhere', async () => {
	const a = await newStaff(url(), owner, 'sales', '销售甲');
	const b = await newStaff(url(), owner, 'sales', '销售乙');
	const m = await newStaff(url(), owner, 'manager', '经理丙');
	for (const who of [a.pb, m.pb]) {
		await expect(who.send(`/api/crm/staff/${b.id}/sign-out-everywhere`, { method: 'POST' })).rejects.toMatchObject({ status: 403 });
	}
	await expect(new PocketBase(url()).send(`/api/crm/staff/${b.id}/sign-out-everywhere`, { method: 'POST' })).rejects.toMatchObject({ status: 401 });
	expect((await b.pb.collection('customers').getList(1, 1)).page).toBe(1); // still signed in
	await owner.send(`/api/crm/staff/${b.id}/sign-out-everywhere`, { method: 'POST' });
	await expect(b.pb.collection('customers').getList(1, 1)).rejects.toMatchObject({ status: 401 });
	await expect(owner.send('/api/crm/staff/nosuchstaff0000/sign-out-everywhere', { method: 'POST' })).rejects.toMatchObject({ status: 404 });
});
