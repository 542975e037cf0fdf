import { describe, expect, it } from 'vitest';
import { describeOffer, fillTemplate, templateVars, validateCampaign, validatePublishable } from './campaigns';

const NOW = Date.parse('2026-12-06T10:00:00+08:00');

function draft(extra: Record<string, unknown> = {}) {
	return {
		name: '双十二老客回馈',
		kind: 'broadcast',
		audience: { segment: 'abcdefghijklmno', exclude: [], frequency_cap_days: 7, holdout_pct: 10 },
		channels: ['email', 'onsite'],
		offer: { type: 'fixed', value: 20, min_spend: 199, valid_from: '2026-12-10', valid_to: '2026-12-14', code_mode: 'unique' },
		content: {
			email: { subject: '{{name}}，您的专属优惠', body: '{{name}} 您好：\n送您 {{offer}}，券码 {{coupon}}，{{valid_to}} 前有效。' },
			onsite: { style: 'banner', title: '双十二', body: '您的券：{{coupon}}', cta_label: '去逛逛', cta_url: 'https://shop.example/sale' }
		},
		schedule: { send_at: '2026-12-12T10:00:00+08:00', quiet_from: '21:00', quiet_to: '09:00' },
		...extra
	};
}

const fields = (errors: { field: string }[]) => errors.map((e) => e.field);

describe('campaign records', () => {
	it('a complete draft is valid and publishable', () => {
		expect(validateCampaign(draft())).toEqual([]);
		expect(validatePublishable(draft(), NOW)).toEqual([]);
	});

	it('a draft may be incomplete; publishing says what is missing, field by field', () => {
		const bare = { name: '草稿', kind: 'broadcast' };
		expect(validateCampaign(bare)).toEqual([]);
		expect(fields(validatePublishable(bare, NOW))).toEqual(['channels', 'audience.segment']);
		expect(fields(validatePublishable({ ...bare, channels: ['sms', 'chat', 'task'], audience: { segment: 'abcdefghijklmno' } }, NOW))).toEqual([
			'content.sms.template_id',
			'content.chat.body',
			'content.task.note'
		]);
		expect(fields(validatePublishable({ name: 'x', kind: 'triggered', channels: ['email'], content: { email: { subject: 's', body: 'b' } } }, NOW))).toEqual(['trigger.type']);
	});

	it.each([
		['a template variable that does not exist', { content: { email: { subject: '你好 {{nmae}}', body: 'x' } } }, 'content.email.subject', 'unknown_variable'],
		['the unsubscribe link outside an e-mail', { content: { onsite: { body: '退订 {{unsubscribe_url}}' } } }, 'content.onsite.body', 'unknown_variable'],
		['a negative coupon', { offer: { type: 'fixed', value: -5 } }, 'offer.value', 'out_of_range'],
		['a discount over 100%', { offer: { type: 'percent', value: 120 } }, 'offer.value', 'out_of_range'],
		['a threshold discount as large as the threshold', { offer: { type: 'threshold', value: 100, threshold: 100 } }, 'offer.value', 'out_of_range'],
		['a threshold discount without the threshold', { offer: { type: 'threshold', value: 10 } }, 'offer.threshold', 'required'],
		['a badly written shared code', { offer: { type: 'fixed', value: 5, code_mode: 'shared', shared_code: 'a b' } }, 'offer.shared_code', 'invalid'],
		['validity ending before it starts', { offer: { type: 'fixed', value: 5, valid_from: '2026-12-10', valid_to: '2026-12-01' } }, 'offer.valid_to', 'invalid'],
		['a script in the on-site message', { content: { onsite: { body: '<script>alert(1)</script>' } } }, 'content.onsite.body', 'markup_not_allowed'],
		['markup in the e-mail', { content: { email: { subject: 'x', body: '<img src=x onerror=alert(1)>' } } }, 'content.email.body', 'markup_not_allowed'],
		['a javascript: link', { content: { onsite: { body: 'x', cta_url: 'javascript:alert(1)' } } }, 'content.onsite.cta_url', 'invalid_url'],
		['a holdout over half', { audience: { segment: 'abcdefghijklmno', holdout_pct: 80 } }, 'audience.holdout_pct', 'out_of_range'],
		['an unknown channel', { channels: ['fax'] }, 'channels', 'invalid'],
		['a send time without a zone', { schedule: { send_at: '2026-12-12 10:00' } }, 'schedule.send_at', 'invalid_time'],
		['an unknown field', { price: 1 }, 'price', 'unknown_field']
	])('refuses %s, naming the field', (_what, extra, field, code) => {
		const errors = validateCampaign(draft(extra));
		expect(errors).toContainEqual(expect.objectContaining({ field, code }));
		expect(errors[0].message).toContain(field.split('.')[0]);
	});

	it('refuses to publish a schedule in the past, an expired coupon, or {{coupon}} without an offer', () => {
		expect(validatePublishable(draft({ schedule: { send_at: '2026-12-01T10:00:00+08:00' } }), NOW)).toContainEqual(expect.objectContaining({ field: 'schedule.send_at', code: 'in_past' }));
		expect(validatePublishable(draft({ offer: { type: 'fixed', value: 5, valid_to: '2026-12-01' } }), NOW)).toContainEqual(expect.objectContaining({ field: 'offer.valid_to', code: 'in_past' }));
		expect(validatePublishable(draft({ offer: { type: 'none' } }), NOW)).toContainEqual(expect.objectContaining({ field: 'offer.type', code: 'required' }));
	});
});

describe('templates', () => {
	it('fills known variables and leaves markup for the channel to escape', () => {
		expect(templateVars('{{ name }} {{coupon}} {{x}}')).toEqual(['name', 'coupon', 'x']);
		expect(fillTemplate('{{name}}，券码 {{ coupon }}', { name: '<b>张伟</b>', coupon: 'AB12' })).toBe('<b>张伟</b>，券码 AB12');
	});

	it('says the offer in words', () => {
		expect(describeOffer({ type: 'fixed', value: 20, min_spend: 199 })).toBe('立减 ¥20（满 ¥199 可用）');
		expect(describeOffer({ type: 'percent', value: 15 }, 'zh-CN')).toBe('8.5 折');
		expect(describeOffer({ type: 'percent', value: 15 }, 'en')).toBe('15% off');
		expect(describeOffer({ type: 'threshold', value: 30, threshold: 200 })).toBe('满 ¥200 减 ¥30');
		expect(describeOffer({ type: 'none' })).toBe('');
	});
});
