// The chat's access grid (docs/api/chat.md): every chat collection × every role × list, view, create,
// update, delete through REST; who hears which realtime event; who may fetch a message's image.
// Each cell is its own assertion.
import { beforeAll, afterAll, describe, expect, it } from 'vitest';
import type PocketBase from 'pocketbase';
import { signIn, staff, url, waitFor } from './helpers';
import { anonymous, clientId, imageForm, newStaff, newVisitor, outcome } from './chat-helpers';

const ROLES = ['visitorA', 'visitorB', 'agent', 'agent2', 'manager', 'admin', 'sales', 'anonymous'] as const;
type Role = (typeof ROLES)[number];
type Op = 'list' | 'view' | 'create' | 'update' | 'delete';
const OPS: Op[] = ['list', 'view', 'create', 'update', 'delete'];

const pbs = {} as Record<Role, PocketBase>;
const ids = {} as Record<Role, string>;
const t: Record<string, string> = {};

/** Who may do what: the letters of the roles that may (A B g G m a s -). */
const LETTER: Record<Role, string> = { visitorA: 'A', visitorB: 'B', agent: 'g', agent2: 'G', manager: 'm', admin: 'a', sales: 's', anonymous: '-' };
const NONE = '';

interface Row {
	collection: string;
	target: () => string;
	grid: Record<Op, string>;
	create?: (role: Role) => Record<string, unknown> | FormData;
	update?: (role: Role) => Record<string, unknown>;
}

const now = () => new Date().toISOString();

const ROWS: Row[] = [
	{
		collection: 'visitors',
		target: () => ids.visitorA,
		grid: { list: 'Ama', view: 'Agma', create: NONE, update: NONE, delete: NONE },
		create: () => ({ name: 'x', password: 'visitor-password-1', passwordConfirm: 'visitor-password-1' }),
		update: () => ({ name: '改名' })
	},
	{
		collection: 'conversations',
		target: () => t.conv,
		grid: { list: 'Agma', view: 'Agma', create: 'A', update: 'Agma', delete: NONE },
		create: () => ({ visitor: ids.visitorA, topic: 'other' }),
		update: (r) => (r.startsWith('visitor') ? { visitor_read_at: now() } : { tags: ['grid'] })
	},
	{
		collection: 'messages',
		target: () => t.msg,
		grid: { list: 'Agma', view: 'Agma', create: 'Agma', update: NONE, delete: NONE },
		create: () => ({ conversation: t.conv, client_id: clientId(), body: 'grid 消息' }),
		update: () => ({ body: 'edited' })
	},
	{
		collection: 'messages (internal note)',
		target: () => t.note,
		grid: { list: 'gma', view: 'gma', create: 'gma', update: NONE, delete: NONE },
		create: () => ({ conversation: t.conv, client_id: clientId(), body: '内部备注', internal: true }),
		update: () => ({ internal: false })
	},
	{
		collection: 'cases',
		target: () => t.case,
		grid: { list: 'gmas', view: 'gmas', create: 'gma', update: 'gma', delete: NONE },
		// Staff name themselves as the assignee (an agent opens a case for themself only, and for the
		// conversation's customer: this one has none).
		create: (r) => ({ conversation: t.conv, kind: 'inquiry', priority: 'normal', status: 'open', summary: 'grid', ...(ids[r] && !r.startsWith('visitor') ? { assignee: ids[r] } : {}) }),
		update: () => ({ summary: '已处理' })
	},
	{
		collection: 'canned_replies (shared)',
		target: () => t.shared,
		grid: { list: 'gGmas', view: 'gGmas', create: 'ma', update: 'ma', delete: NONE },
		create: (r) => ({ owner: ids[r] || ids.visitorA, shared: true, shortcut: '/hi', title: '问候', body: '您好！' }),
		update: () => ({ title: '问候 2' })
	},
	{
		collection: 'canned_replies (agent’s own)',
		target: () => t.private,
		grid: { list: 'g', view: 'g', create: 'gGmas', update: 'g', delete: NONE },
		create: (r) => ({ owner: ids[r] || ids.visitorA, shared: false, shortcut: '/mine', title: '我的', body: '稍等' }),
		update: () => ({ title: '我的 2' })
	}
];

function collectionOf(row: Row) {
	return row.collection.split(' ')[0];
}

beforeAll(async () => {
	const base = url();
	pbs.admin = await signIn('owner');
	pbs.manager = await signIn('manager');
	pbs.agent = await signIn('agent');
	pbs.sales = await signIn('sales');
	const agent2 = await newStaff(base, pbs.admin, 'agent', '另一位客服');
	pbs.agent2 = agent2.pb;
	ids.agent2 = agent2.id;
	for (const k of ['admin', 'manager', 'agent', 'sales'] as const) ids[k] = staff(k === 'admin' ? 'owner' : k).id;
	const a = await newVisitor(base, '访客甲');
	const b = await newVisitor(base, '访客乙');
	pbs.visitorA = a.pb;
	t.secretA = a.secret;
	ids.visitorA = a.id;
	pbs.visitorB = b.pb;
	ids.visitorB = b.id;
	pbs.anonymous = anonymous(base);
	ids.anonymous = '';

	// Visitor A's conversation, claimed by the agent; A's message with an image; the agent's note.
	t.conv = (await pbs.visitorA.collection('conversations').create({ visitor: a.id, topic: 'order_problem' })).id;
	await pbs.agent.collection('conversations').update(t.conv, { assignee: ids.agent });
	const msg = await pbs.visitorA.collection('messages').create(imageForm({ conversation: t.conv, client_id: clientId(), body: '看图' }));
	t.msg = msg.id;
	t.file = msg.attachments[0];
	t.note = (await pbs.agent.collection('messages').create({ conversation: t.conv, client_id: clientId(), body: '老客户', internal: true })).id;
	t.customer = (await pbs.manager.collection('customers').create({ name: '网格客户', owner: ids.sales })).id;
	t.case = (
		await pbs.manager.collection('cases').create({ conversation: t.conv, customer: t.customer, assignee: ids.agent, kind: 'complaint', priority: 'high', status: 'open', summary: '包裹破损' })
	).id;
	t.shared = (await pbs.manager.collection('canned_replies').create({ owner: ids.manager, shared: true, shortcut: '/refund', title: '退款', body: '退款将在 3 个工作日内到账。' })).id;
	t.private = (await pbs.agent.collection('canned_replies').create({ owner: ids.agent, shared: false, shortcut: '/wait', title: '稍等', body: '请稍等' })).id;
});

describe('chat REST access grid', () => {
	const cells: [string, Op, Role, 'allow' | 'deny', Row][] = [];
	for (const row of ROWS) for (const op of OPS) for (const role of ROLES) cells.push([row.collection, op, role, row.grid[op].includes(LETTER[role]) ? 'allow' : 'deny', row]);

	it.each(cells)('%s %s by %s: %s', async (_c, op, role, expected, row) => {
		const col = pbs[role].collection(collectionOf(row));
		const target = row.target();
		let got: 'allow' | 'deny';
		if (op === 'list') {
			const items = (await col.getFullList({ filter: `id = "${target}"` })).map((r) => r.id);
			got = items.includes(target) ? 'allow' : 'deny';
		} else if (op === 'view') got = await outcome(col.getOne(target));
		else if (op === 'create') got = await outcome(col.create(row.create!(role)));
		else if (op === 'update') got = await outcome(col.update(target, row.update!(role)));
		else got = await outcome(col.delete(target));
		expect(got).toBe(expected);
	});
});

describe('chat attachments: protected file URLs', () => {
	const expected: Record<Role, number> = { visitorA: 200, visitorB: 404, agent: 200, agent2: 404, manager: 200, admin: 200, sales: 404, anonymous: 404 };
	it.each(ROLES.map((r) => [r, expected[r]] as const))('the image of visitor A’s message fetched by %s: %i', async (role, status) => {
		const token = role === 'anonymous' ? '' : await pbs[role].files.getToken();
		const res = await fetch(`${url()}/api/files/messages/${t.msg}/${t.file}?token=${token}`);
		expect(res.status === 200 ? 200 : 404).toBe(status);
		if (res.status === 200) expect(res.headers.get('content-type')).toBe('image/png');
	});

	it('without a token nobody fetches it, and a visitor sends at most 4 images', async () => {
		expect((await fetch(`${url()}/api/files/messages/${t.msg}/${t.file}`)).status).not.toBe(200);
		await expect(pbs.visitorA.collection('messages').create(imageForm({ conversation: t.conv, client_id: clientId() }, 5))).rejects.toMatchObject({ status: 400 });
	});
});

describe('chat realtime grid', () => {
	const COLLECTIONS = ['visitors', 'conversations', 'messages', 'cases', 'canned_replies'];
	const heard = {} as Record<Role, Set<string>>;
	const events: Record<string, string> = {};
	/** Event name -> the roles that hear it. */
	const EXPECT: Record<string, string> = {
		'visitor A renamed': 'Ama',
		'message from visitor A': 'Agma',
		'internal note': 'gma',
		'conversation tagged': 'Agma',
		'case updated': 'gmas',
		'shared canned reply edited': 'gGmas',
		'agent’s own canned reply edited': 'g'
	};

	beforeAll(async () => {
		for (const role of ROLES) {
			heard[role] = new Set();
			for (const c of COLLECTIONS) await pbs[role].collection(c).subscribe('*', (e) => heard[role].add(`${c}:${e.action}:${e.record.id}`));
		}
		const renamed = await fetch(`${url()}/api/crm/chat/session`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ visitor_id: ids.visitorA, secret: t.secretA, name: '访客甲2' })
		});
		expect(renamed.status).toBe(200);
		events['visitor A renamed'] = `visitors:update:${ids.visitorA}`;
		const m = await pbs.visitorA.collection('messages').create({ conversation: t.conv, client_id: clientId(), body: '还在吗？' });
		events['message from visitor A'] = `messages:create:${m.id}`;
		const n = await pbs.agent.collection('messages').create({ conversation: t.conv, client_id: clientId(), body: '查一下物流', internal: true });
		events['internal note'] = `messages:create:${n.id}`;
		await pbs.manager.collection('conversations').update(t.conv, { tags: ['物流'] });
		events['conversation tagged'] = `conversations:update:${t.conv}`;
		await pbs.manager.collection('cases').update(t.case, { priority: 'urgent' });
		events['case updated'] = `cases:update:${t.case}`;
		await pbs.admin.collection('canned_replies').update(t.shared, { body: '退款将在 1 个工作日内到账。' });
		events['shared canned reply edited'] = `canned_replies:update:${t.shared}`;
		await pbs.agent.collection('canned_replies').update(t.private, { body: '请稍等片刻' });
		events['agent’s own canned reply edited'] = `canned_replies:update:${t.private}`;
		// Wait for everyone who should hear something, then a moment for stray events.
		await waitFor(() => Object.entries(EXPECT).every(([name, who]) => ROLES.filter((r) => who.includes(LETTER[r])).every((r) => heard[r].has(events[name]))), 10000).catch(() => undefined);
		await new Promise((r) => setTimeout(r, 500));
	});

	afterAll(async () => {
		for (const role of ROLES) await pbs[role].realtime.unsubscribe();
	});

	const cells: [string, Role, boolean][] = [];
	for (const [name, who] of Object.entries(EXPECT)) for (const role of ROLES) cells.push([name, role, who.includes(LETTER[role])]);
	it.each(cells)('%s heard by %s: %s', (name, role, expected) => {
		expect(heard[role].has(events[name])).toBe(expected);
	});
});

// The topic of the console and the widget (server/chatrealtime.go): the server picks the recipients
// itself, so the same grid is asked of it. Sales reps and the anonymous may subscribe but hear nothing.
describe('chat realtime grid: the console topic crm/chat', () => {
	const heard = {} as Record<Role, string[]>;
	const expanded = {} as Record<Role, Set<string>>;
	const tagsSeen = new Set<Role>();
	const events: Record<string, string> = {};
	const EXPECT: Record<string, string> = {
		'message from visitor A': 'Agma',
		'internal note': 'gma',
		'conversation tagged': 'Agma',
		'new conversation in the queue': 'BgGma',
		'message in the queued conversation': 'BgGma',
		'queued conversation claimed by agent 2': 'BGma',
		'the conversation left the agents who no longer see it': 'gG',
		'message after the claim': 'BGma'
	};

	beforeAll(async () => {
		for (const role of ROLES) {
			heard[role] = [];
			expanded[role] = new Set();
			// Conversations are told apart by their assignee at the time.
			await pbs[role].realtime.subscribe('crm/chat', (e: { collection: string; action: string; record: { id: string; assignee?: string; expand?: { visitor?: { name?: string } } } }) => {
				const conv = e.collection === 'conversations' && e.action !== 'leave';
				heard[role].push(`${e.collection}:${e.action}:${e.record.id}${conv ? `:${e.record.assignee}` : ''}`);
				if (conv) expanded[role].add(`${e.record.id}:${e.record.expand?.visitor?.name ?? ''}`);
				if (conv && 'tags' in e.record) tagsSeen.add(role);
			});
		}
		const m = await pbs.visitorA.collection('messages').create({ conversation: t.conv, client_id: clientId(), body: '到哪了？' });
		events['message from visitor A'] = `messages:create:${m.id}`;
		const n = await pbs.agent.collection('messages').create({ conversation: t.conv, client_id: clientId(), body: '已催仓库', internal: true });
		events['internal note'] = `messages:create:${n.id}`;
		await pbs.manager.collection('conversations').update(t.conv, { tags: ['物流', '催单'] });
		events['conversation tagged'] = `conversations:update:${t.conv}:${ids.agent}`;
		const q = await pbs.visitorB.collection('conversations').create({ visitor: ids.visitorB, topic: 'pre_sale' });
		events['new conversation in the queue'] = `conversations:create:${q.id}:`;
		const qm = await pbs.visitorB.collection('messages').create({ conversation: q.id, client_id: clientId(), body: '有货吗？' });
		events['message in the queued conversation'] = `messages:create:${qm.id}`;
		await pbs.agent.collection('conversations').update(q.id, { assignee: ids.agent });
		await pbs.manager.collection('conversations').update(q.id, { assignee: ids.agent2 });
		events['queued conversation claimed by agent 2'] = `conversations:update:${q.id}:${ids.agent2}`;
		// Agent 2 hears it left when agent 1 claims it from the queue; agent 1 when the manager moves it.
		events['the conversation left the agents who no longer see it'] = `conversations:leave:${q.id}`;
		const after = await pbs.visitorB.collection('messages').create({ conversation: q.id, client_id: clientId(), body: '还在吗？' });
		events['message after the claim'] = `messages:create:${after.id}`;
		t.queued = q.id;
		await waitFor(() => Object.entries(EXPECT).every(([name, who]) => ROLES.filter((r) => who.includes(LETTER[r])).every((r) => heard[r].includes(events[name]))), 10000).catch(() => undefined);
		await new Promise((r) => setTimeout(r, 500));
	});

	afterAll(async () => {
		for (const role of ROLES) await pbs[role].realtime.unsubscribe();
	});

	const cells: [string, Role, boolean][] = [];
	for (const [name, who] of Object.entries(EXPECT)) for (const role of ROLES) cells.push([name, role, who.includes(LETTER[role])]);
	it.each(cells)('%s heard by %s: %s', (name, role, expected) => {
		expect(heard[role].includes(events[name])).toBe(expected);
	});

	it('each message is heard once, and conversations come with the visitor for the staff who may view it', () => {
		for (const role of ROLES) {
			const messages = heard[role].filter((h) => h.startsWith('messages:'));
			expect(new Set(messages).size, role).toBe(messages.length);
		}
		expect(expanded.manager).toContain(`${t.conv}:访客甲2`);
		expect(expanded.agent).toContain(`${t.conv}:访客甲2`);
		expect(expanded.agent2).toContain(`${t.queued}:访客乙`);
		// Visitors get their conversation without the expanded visitor record.
		expect(expanded.visitorA).toContain(`${t.conv}:`);
		expect([...expanded.visitorA].every((x) => x.endsWith(':'))).toBe(true);
	});

	it('staff-only fields (tags) reach staff, never the shopper: realtime and the records API', async () => {
		expect([...tagsSeen].sort()).toEqual(['admin', 'agent', 'agent2', 'manager'].sort());
		const own = await pbs.visitorA.collection('conversations').getOne(t.conv);
		expect(own).not.toHaveProperty('tags');
		expect((await pbs.visitorA.collection('conversations').getList(1, 10)).items.every((c) => !('tags' in c))).toBe(true);
		expect(await pbs.manager.collection('conversations').getOne(t.conv)).toHaveProperty('tags');
	});
});
