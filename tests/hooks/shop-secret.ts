// The shop's identity secret of the test server (global-setup.ts): the shop signs its customer ids with
// it (server/identity.go).
import { createHmac } from 'node:crypto';

export const SHOP_SECRET = 'shop-identity-secret-for-tests';

/** The fields a browser-key event carries to name a shop customer. */
export function signedCustomer(customerId: string, ts = Math.floor(Date.now() / 1000), secret = SHOP_SECRET) {
	return { customer_id: customerId, customer_ts: ts, customer_sig: createHmac('sha256', secret).update(`${customerId}.${ts}`).digest('hex') };
}
