/// <reference path="../pb_data/types.d.ts" />
// Proposals (pb_migrations/1764154900_proposals.js): the customer's owner or a manager accepts one
// (its values go into the customer, what they replace into its history) or dismisses it.
//
//	POST /api/crm/proposals/{id}/accept   → 200 {status: "accepted"}
//	POST /api/crm/proposals/{id}/dismiss  → 200 {status: "dismissed"}
//
// 404 when the caller may not read it, 403 when they may not edit the customer, 409 when decided already.

routerAdd('POST', '/api/crm/proposals/{id}/accept', (e) => require(`${__hooks}/lib/proposals.js`).decide(e, 'accepted'), $apis.requireAuth('staff'));
routerAdd('POST', '/api/crm/proposals/{id}/dismiss', (e) => require(`${__hooks}/lib/proposals.js`).decide(e, 'dismissed'), $apis.requireAuth('staff'));
