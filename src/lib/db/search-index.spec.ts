import { describe, expect, it } from 'vitest';
import { demoCustomer, rng } from '../../../tests/fixtures/demo-data';
const collator = new Intl.Collator('zh-CN');
const byName = (a: { name: string }, b: { name: string }) => collator.compare(a.name, b.name);
import { CustomerSearchIndex, namePinyin, normalizeQuery, searchEntry, searchPhoneDigits, SEP, type SearchableCustomer } from './search-index';

const zhang: SearchableCustomer = { id: 'c1', name: '张伟', phones: ['+8613800138000'], emails: ['Zhang.Wei@Example.cn'], external_id: 'SHOP-1001' };
const li: SearchableCustomer = { id: 'c2', name: '李娜', phones: ['+8613912345678'], emails: [], external_id: 'SHOP-1002' };
const wang: SearchableCustomer = { id: 'c3', name: '王芳', phones: ['+8615000001111', '+86 10 6552 9988'], emails: ['fang@shop.cn'] };
const lv: SearchableCustomer = { id: 'c4', name: '吕强', phones: [] };
const shan: SearchableCustomer = { id: 'c5', name: '单雨桐' };
const anna: SearchableCustomer = { id: 'c6', name: 'Anna Smith', phones: ['+85291234567'], emails: ['anna@example.com'] };

const index = (...docs: SearchableCustomer[]) => new CustomerSearchIndex(docs);
const all = () => index(zhang, li, wang, lv, shan, anna);

describe('haystacks', () => {
	it('hold the name, full pinyin and initials, lowercased, in parts that a query cannot span', () => {
		const e = searchEntry(zhang);
		const parts = e.text.split(SEP).filter(Boolean);
		expect(parts).toEqual(['张伟', 'zhangwei', 'zw', 'zhang.wei@example.cn', 'shop-1001']);
		expect(e.phones.split(SEP).filter(Boolean)).toEqual(['13800138000']);
	});

	it('read a polyphonic surname as a surname, keeping the ordinary reading too', () => {
		expect(namePinyin('单雨桐')).toEqual(['shanyutong', 'syt', 'danyutong', 'dyt']);
		expect(namePinyin('曾敏')).toContain('zengmin');
		expect(namePinyin('吕强')).toEqual(['lvqiang', 'lq', 'luqiang']);
		expect(namePinyin('Anna Smith')).toEqual([]);
	});

	it('keep phone digits without the +86 country code, landlines with their trunk 0', () => {
		expect(searchPhoneDigits('+8613800138000')).toBe('13800138000');
		expect(searchPhoneDigits('008613800138000')).toBe('13800138000');
		expect(searchPhoneDigits('+86 10 6552 9988')).toBe('01065529988');
		expect(searchPhoneDigits('+85291234567')).toBe('85291234567');
	});

	it('normalise queries: trimmed, lowercase, no spaces; digits for phone-like queries of 3+ digits', () => {
		expect(normalizeQuery('  Zhang Wei ')).toEqual({ text: 'zhangwei', digits: [] });
		expect(normalizeQuery('+86 138')).toEqual({ text: '+86138', digits: ['86138', '138'] });
		expect(normalizeQuery('１３８')).toEqual({ text: '138', digits: ['138'] });
		expect(normalizeQuery('13').digits).toEqual([]);
		expect(normalizeQuery('+86 1').digits).toEqual(['861']);
		expect(normalizeQuery(`a${SEP}b`).text).toBe('ab');
	});
});

describe('CustomerSearchIndex', () => {
	it('finds 张伟 by characters, pinyin and initials', () => {
		const idx = all();
		for (const q of ['张', '伟', '张伟', 'zw', 'z w', 'zhangw', 'zhangwei', 'zhang wei', 'ZhangWei', ' ZHANG ']) expect(idx.search(q), q).toContain('c1');
		expect(idx.search('李')).toEqual(['c2']);
		expect(idx.search('zhangweii')).toEqual([]);
	});

	it('never matches across two parts', () => {
		// "zw" + "zhang" would only match if initials and email were glued together.
		expect(all().search('zwzhang')).toEqual([]);
		expect(all().search('伟zhang')).toEqual([]);
	});

	it('finds polyphonic surnames and ü by either reading', () => {
		const idx = all();
		for (const q of ['shanyu', 'danyu', 'syt', 'dyt']) expect(idx.search(q), q).toEqual(['c5']);
		for (const q of ['lvq', 'luqiang', 'lq']) expect(idx.search(q), q).toEqual(['c4']);
	});

	it('finds a phone by any part, with or without spaces, dashes and +86', () => {
		const idx = all();
		for (const q of ['138', '0013 8000', '+86 138', '+86 138 0013', '8613800138000', '+8613800138000', '008613800138000', '138-0013-8000', '(138) 0013 8000']) expect(idx.search(q), q).toEqual(['c1']);
		expect(idx.search('139')).toEqual(['c2']);
		expect(idx.search('010-6552 9988')).toEqual(['c3']);
		expect(idx.search('6552')).toEqual(['c3']);
		expect(idx.search('+852 9123')).toEqual(['c6']);
		expect(idx.search('137')).toEqual([]);
	});

	it('needs 3 digits for phones: "13" or "86" do not match every mobile number', () => {
		const idx = all();
		expect(idx.search('13')).toEqual([]);
		expect(idx.search('86')).toEqual([]);
		expect(idx.search('+86')).toEqual([]);
		expect(idx.search('1')).not.toContain('c3'); // 1 is in its phones only
		// Two digits still find shop ids and emails, as the simple matcher does.
		expect(idx.search('02')).toEqual(['c2']);
	});

	it('finds emails and shop ids, case-insensitively', () => {
		const idx = all();
		expect(idx.search('ZHANG.WEI')).toEqual(['c1']);
		expect(idx.search('@example.c')).toEqual(['c1', 'c6']); // 张伟 before Anna Smith in zh-CN order
		expect(idx.search('fang@shop')).toEqual(['c3']);
		expect(idx.search('shop-1002')).toEqual(['c2']);
		expect(idx.search('Shop-100')).toEqual(['c2', 'c1']); // 李娜, 张伟
		expect(idx.search('anna smith')).toEqual(['c6']);
	});

	it('returns all ids in name order (zh-CN collation) for an empty query', () => {
		const idx = all();
		const expected = [zhang, li, wang, lv, shan, anna].sort(byName).map((c) => c.id);
		expect(expected).toEqual(['c5', 'c2', 'c4', 'c3', 'c1', 'c6']); // 单 dan, 李, 吕, 王, 张, then Latin
		expect(idx.search('')).toEqual(expected);
		expect(idx.search('   ')).toEqual(expected);
		expect(idx.search('', 2)).toEqual(expected.slice(0, 2));
		expect(index(zhang, li, wang).search('')).toEqual(['c2', 'c3', 'c1']); // 李娜, 王芳, 张伟
	});

	it('ranks exact matches first, then prefixes, then the rest, by name within each', () => {
		const docs: SearchableCustomer[] = [
			{ id: 'a', name: '张伟明' }, // prefix: zhangwei…
			{ id: 'b', name: '张伟' }, // exact
			{ id: 'c', name: '李张伟' }, // inside: lizhangwei
			{ id: 'd', name: '阿张伟' }, // inside: azhangwei
			{ id: 'e', name: '张伟', external_id: 'x' } // exact, after 'b' (same name, id order)
		];
		const idx = new CustomerSearchIndex(docs);
		expect(idx.search('zhangwei')).toEqual(['b', 'e', 'a', 'd', 'c']);
		expect(idx.search('张伟')).toEqual(['b', 'e', 'a', 'd', 'c']);
		expect(idx.search('zhangwei', 3)).toEqual(['b', 'e', 'a']);
		expect(idx.search('zhangwei', 1)).toEqual(['b']);
		expect(idx.search('zhangwei', 0)).toEqual([]);
		// An exact phone number comes before numbers that merely contain it.
		const phones = new CustomerSearchIndex([
			{ id: 'p1', name: '阿', phones: ['+8613800138000'] },
			{ id: 'p2', name: '吧', phones: ['+8613900138000'] },
			{ id: 'p3', name: '从', phones: ['+8613800138001'] }
		]);
		expect(phones.search('13800138000')).toEqual(['p1']);
		expect(phones.search('1380013800')).toEqual(['p1', 'p3']);
		expect(phones.search('00138000')).toEqual(['p1', 'p2']);
		expect(phones.search('138')).toEqual(['p1', 'p3', 'p2']);
	});

	it('upsert adds and replaces an entry; the old name is no longer found', () => {
		const idx = index(zhang, li);
		expect(idx.size).toBe(2);
		idx.upsert({ ...zhang, name: '赵敏', phones: ['+8613700000000'] });
		expect(idx.size).toBe(2);
		expect(idx.search('张伟')).toEqual([]);
		expect(idx.search('zhangwei')).toEqual([]);
		expect(idx.search('zhang.wei')).toEqual(['c1']); // the email stays
		expect(idx.search('zw')).toEqual([]);
		expect(idx.search('zhaomin')).toEqual(['c1']);
		expect(idx.search('138')).toEqual([]);
		expect(idx.search('137')).toEqual(['c1']);
		expect(idx.search('')).toEqual(['c2', 'c1']); // 李娜, 赵敏
		idx.upsert(wang);
		expect(idx.size).toBe(3);
		expect(idx.search('')).toEqual(['c2', 'c3', 'c1']);
		expect(idx.get('c3')).toBe(wang);
		expect(idx.searchDocs('wangfang')).toEqual([wang]);
	});

	it('remove drops an entry; a deleted document is removed by upsert and skipped by build', () => {
		const idx = all();
		expect(idx.remove('c1')).toBe(true);
		expect(idx.remove('c1')).toBe(false);
		expect(idx.search('张')).toEqual([]);
		expect(idx.search('138')).toEqual([]);
		expect(idx.has('c1')).toBe(false);
		expect(idx.size).toBe(5);
		idx.upsert({ ...li, deleted: true });
		expect(idx.search('李')).toEqual([]);
		expect(idx.size).toBe(4);
		const built = new CustomerSearchIndex([zhang, { ...li, deleted: true }]);
		expect(built.search('')).toEqual(['c1']);
	});

	it('rebuilds from a changed list, reusing nothing stale', () => {
		const idx = index(zhang, li);
		idx.build([{ ...zhang }, { ...li, name: '刘洋' }, wang]);
		expect(idx.search('李')).toEqual([]);
		expect(idx.search('liuyang')).toEqual(['c2']);
		expect(idx.search('')).toEqual(['c2', 'c3', 'c1']); // 刘洋, 王芳, 张伟
		idx.build([]);
		expect(idx.size).toBe(0);
		expect(idx.search('')).toEqual([]);
		expect(idx.search('张')).toEqual([]);
	});

	it.each([1024, 8, 1])('after many upserts and removals, with searches in between, answers exactly like a fresh build (chunks of %i)', (chunkSize) => {
		const r = rng(3);
		const docs = Array.from({ length: 300 }, (_, i) => ({ id: `id${String(i).padStart(4, '0')}`, ...demoCustomer(i, r) }));
		type Doc = (typeof docs)[number];
		const current = new Map<string, Doc>();
		const idx = new CustomerSearchIndex<Doc>([], { chunkSize });
		const queries = ['', '王', 'li', 'zw', '138', '+86 15', 'user1', 'shop-1001', 'e'];
		const check = () => {
			const fresh = new CustomerSearchIndex([...current.values()]);
			expect(idx.size).toBe(current.size);
			for (const q of queries) {
				expect(idx.search(q), q).toEqual(fresh.search(q));
				expect(idx.search(q, 5), q).toEqual(fresh.search(q, 5));
			}
		};
		for (const d of docs.slice(0, 100)) {
			idx.upsert(d);
			current.set(d.id, d);
		}
		check();
		for (let step = 0; step < 600; step++) {
			const d = docs[Math.floor(r() * docs.length)];
			const op = r();
			if (op < 0.25) {
				idx.remove(d.id);
				current.delete(d.id);
			} else {
				// A new customer, a rename, a new phone, or the same name with other fields.
				const other = docs[Math.floor(r() * docs.length)];
				const next = op < 0.5 ? d : op < 0.7 ? { ...d, name: other.name } : op < 0.85 ? { ...d, phones: other.phones } : { ...(current.get(d.id) ?? d), emails: other.emails };
				idx.upsert(next);
				current.set(next.id, next);
			}
			// Searches now and then (the view is patched), and sometimes long runs without (it is dropped).
			if (step % 150 < 100 ? step % 7 === 0 : step % 150 === 149) check();
		}
		check();
		const order = idx.search('');
		const names = order.map((id) => idx.get(id)!.name);
		expect(names).toEqual([...names].sort((a, b) => byName({ name: a }, { name: b })));
	});

	it('answers like a naive per-customer scan (random queries over 2,000 demo customers)', () => {
		const r = rng(11);
		const docs = Array.from({ length: 2000 }, (_, i) => ({ id: `d${String(i).padStart(5, '0')}`, ...demoCustomer(i, r) }));
		const idx = new CustomerSearchIndex(docs);
		const small = new CustomerSearchIndex(docs, { chunkSize: 7 });
		const collator = new Intl.Collator('zh-CN');
		const sorted = [...docs].sort((a, b) => collator.compare(a.name, b.name) || (a.id < b.id ? -1 : 1));
		const entries = sorted.map((d) => searchEntry(d));
		const tier = (h: string, q: string) => (!h.includes(q) ? 3 : h.includes(SEP + q + SEP) ? 0 : h.includes(SEP + q) ? 1 : 2);
		const naive = (query: string) => {
			const { text, digits } = normalizeQuery(query);
			if (!text) return entries.map((e) => e.id);
			const tiers = entries.map((e) => Math.min(tier(e.text, text), ...digits.map((d) => tier(e.phones, d))));
			return [0, 1, 2].flatMap((t) => entries.filter((_, i) => tiers[i] === t).map((e) => e.id));
		};
		const slice = (s: string) => {
			const a = Math.floor(r() * s.length);
			return s.slice(a, a + 1 + Math.floor(r() * 6));
		};
		const queries = ['', 'e', 'a', '1', '8', '86', '861', '0086 138', '+86'];
		for (let i = 0; i < 300; i++) {
			const e = entries[Math.floor(r() * entries.length)];
			const parts = [...e.text.split(SEP), ...e.phones.split(SEP)].filter(Boolean);
			queries.push(slice(parts[Math.floor(r() * parts.length)]));
		}
		for (const q of queries) {
			const expected = naive(q);
			expect(idx.search(q), q).toEqual(expected);
			expect(idx.search(q, 7), q).toEqual(expected.slice(0, 7));
			expect(small.search(q), q).toEqual(expected);
		}
	});

	it('builds 50,000 customers and answers 20 searches (sanity, no timing)', () => {
		const r = rng(42);
		const docs = Array.from({ length: 50_000 }, (_, i) => ({ id: `c${String(i).padStart(14, '0')}`, ...demoCustomer(i, r) }));
		const idx = new CustomerSearchIndex(docs);
		expect(idx.size).toBe(50_000);
		const queries = ['张', '张伟', 'z', 'zw', 'zhangw', 'zhang wei', '138', '+86 138', '0013 8000', 'user123', 'shop-1001', 'SHOP-149999', 'li na', '王芳', 'wf', '9999', 'x', '', '13', 'lvq'];
		for (const q of queries) {
			const ids = idx.search(q, 50);
			expect(ids.length, q).toBeLessThanOrEqual(50);
			for (const id of ids) expect(idx.has(id)).toBe(true);
		}
		expect(idx.search('shop-149999')).toEqual([docs[49_999].id]);
		const someone = docs[12_345];
		expect(idx.search(someone.phones[0])).toContain(someone.id);
		expect(idx.search(someone.name)).toContain(someone.id);
		// Two digits search shop ids and emails only, never phones.
		const thirteen = idx.searchDocs('13');
		expect(thirteen.length).toBeGreaterThan(0);
		for (const c of thirteen) expect(`${c.external_id} ${c.emails.join(' ')}`).toContain('13');
	});
});
