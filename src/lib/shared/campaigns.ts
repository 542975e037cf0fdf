/**
 * Marketing campaigns: the fields a device may write and their checks, shared by the device and the
 * server hooks (pb_hooks/lib/shared.js), so a draft saved offline is never refused later for its
 * format. What a campaign needs before it may be published (validatePublishable) is checked in the
 * editor's review step and again by the server when publishing (server/campaigns.go).
 * Pure and dependency-free (runs in PocketBase's goja, ES2019).
 */
import type { FieldError } from './validation';

export const CAMPAIGN_FIELDS = [
	'name',
	'kind',
	'trigger',
	'audience',
	'offer',
	'channels',
	'content',
	'schedule',
	'attribution_days',
	'cost',
	'notes',
	'owner',
	'archived',
	'state',
	'deleted',
	'history',
	'field_times'
] as const;
export type CampaignField = (typeof CAMPAIGN_FIELDS)[number];

/** Fields only the server writes (publishing and after): a device holds them and never sends them. */
export const CAMPAIGN_SERVER_FIELDS = ['approval', 'published', 'counts', 'reached_owners', 'started_at', 'completed_at'] as const;

/** Fields that carry user edits and take part in the field-by-field merge. */
export const CAMPAIGN_MERGE_FIELDS = CAMPAIGN_FIELDS.filter((f) => f !== 'history' && f !== 'field_times') as Exclude<CampaignField, 'history' | 'field_times'>[];

export const CAMPAIGN_KINDS = ['broadcast', 'triggered'] as const;
export const CAMPAIGN_STATES = ['draft', 'pending_approval', 'scheduled', 'running', 'paused', 'completed', 'cancelled'] as const;
export type CampaignState = (typeof CAMPAIGN_STATES)[number];
export const CAMPAIGN_CHANNELS = ['onsite', 'email', 'sms', 'chat', 'task'] as const;
export type CampaignChannel = (typeof CAMPAIGN_CHANNELS)[number];
export const TRIGGER_TYPES = ['abandoned_cart', 'post_purchase', 'win_back', 'welcome', 'birthday'] as const;
export type TriggerType = (typeof TRIGGER_TYPES)[number];
export const OFFER_TYPES = ['none', 'fixed', 'percent', 'threshold'] as const;
export type OfferType = (typeof OFFER_TYPES)[number];

/** The consent purpose each channel needs (the consent ledger, `consents`). */
export const CHANNEL_PURPOSE: Record<CampaignChannel, string> = {
	onsite: 'marketing_onsite',
	email: 'marketing_email',
	sms: 'marketing_sms',
	chat: 'marketing_chat',
	task: 'marketing_phone'
};

/** Variables a message may use, as {{name}}; unsubscribe_url only in e-mails (always added anyway). */
export const TEMPLATE_VARS = ['name', 'coupon', 'offer', 'valid_to', 'unsubscribe_url'] as const;

export const CAMPAIGN_LIMITS = {
	name: 100,
	notes: 2000,
	exclude: 10,
	onsiteTitle: 60,
	onsiteBody: 300,
	ctaLabel: 20,
	url: 500,
	emailSubject: 150,
	emailBody: 20_000,
	smsTemplate: 64,
	smsParams: 10,
	smsParam: 100,
	chatBody: 1000,
	taskNote: 500,
	holdoutMax: 50,
	frequencyCapMax: 365,
	attributionMax: 90,
	reentryMax: 3650,
	delayMax: 24 * 90,
	offerValueMax: 100_000,
	costMax: 100_000_000
} as const;

export interface CampaignTrigger {
	type: TriggerType;
	/** Hours after the cart (abandoned cart) or the order (post-purchase) before the message. */
	delay_hours?: number;
	/** A customer enters again at most once in this many days. */
	reentry_days?: number;
}

export interface CampaignAudience {
	/** The segment whose members are the audience ('' for a triggered campaign: anyone who triggers it). */
	segment?: string;
	exclude?: string[];
	/** Leave out customers any campaign reached in this many days (0: no cap). */
	frequency_cap_days?: number;
	/** The share of the audience that receives nothing, as a comparison (percent). */
	holdout_pct?: number;
}

export interface CampaignOffer {
	type: OfferType;
	/** fixed: yuan off; percent: percent off; threshold: yuan off once the order reaches `threshold`. */
	value?: number;
	threshold?: number;
	min_spend?: number;
	valid_from?: string;
	valid_to?: string;
	code_mode?: 'shared' | 'unique';
	shared_code?: string;
}

export interface CampaignContent {
	onsite?: { style?: 'banner' | 'popup'; title?: string; body?: string; cta_label?: string; cta_url?: string };
	email?: { subject?: string; body?: string };
	sms?: { template_id?: string; params?: Record<string, string> };
	chat?: { body?: string };
	task?: { kind?: 'call' | 'visit'; note?: string };
}

export interface CampaignSchedule {
	/** When a broadcast sends (ISO time with zone); '' as soon as it is published. */
	send_at?: string;
	/** Quiet hours in shop time: e-mails and SMS wait until they end. */
	quiet_from?: string;
	quiet_to?: string;
	/** A triggered campaign stops by itself then (ISO; '' runs until stopped). */
	ends_at?: string;
}

export const DEFAULT_QUIET = { from: '21:00', to: '09:00' } as const;

function err(field: string, code: string, message: string): FieldError {
	return { field, code, message };
}

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);
const RECORD_ID_RE = /^[a-z0-9]{15}$/;
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
const HHMM_RE = /^([01]\d|2[0-3]):[0-5]\d$/;
const CODE_RE = /^[A-Z0-9][A-Z0-9-]{3,31}$/;
// Any tag-like markup: messages are plain text, shown as text everywhere.
const MARKUP_RE = /<\s*\/?\s*[a-zA-Z!?]/;
const VAR_RE = /\{\{\s*([^{}]*?)\s*\}\}/g;

/** The variable names a text uses, in order. */
export function templateVars(text: string): string[] {
	const out: string[] = [];
	const re = new RegExp(VAR_RE.source, 'g');
	for (let m = re.exec(text); m; m = re.exec(text)) out.push(m[1]);
	return out;
}

function isIsoTime(v: string): boolean {
	return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(v) && !isNaN(Date.parse(v));
}

function checkNumber(v: unknown, field: string, min: number, max: number, errors: FieldError[], { integer = false } = {}) {
	if (v == null) return;
	if (typeof v !== 'number' || !isFinite(v)) return void errors.push(err(field, 'invalid_type', `${field} must be a number`));
	if (integer && Math.floor(v) !== v) return void errors.push(err(field, 'invalid', `${field} must be a whole number`));
	if (v < min || v > max) errors.push(err(field, 'out_of_range', `${field} must be between ${min} and ${max}`));
}

function checkText(v: unknown, field: string, max: number, errors: FieldError[], { plain = false } = {}) {
	if (v == null || v === '') return;
	if (typeof v !== 'string') return void errors.push(err(field, 'invalid_type', `${field} must be text`));
	if (v.length > max) return void errors.push(err(field, 'too_long', `${field} is longer than ${max} characters`));
	if (plain && MARKUP_RE.test(v)) return void errors.push(err(field, 'markup_not_allowed', `${field}: write plain text; HTML and scripts are not allowed`));
	const unknown = templateVars(v).find((name) => !(TEMPLATE_VARS as readonly string[]).includes(name));
	if (unknown !== undefined) {
		errors.push(err(field, 'unknown_variable', `${field}: {{${unknown}}} is not a variable you can use (${TEMPLATE_VARS.map((x) => `{{${x}}}`).join(', ')})`));
	}
}

function checkUrl(v: unknown, field: string, errors: FieldError[]) {
	if (v == null || v === '') return;
	if (typeof v !== 'string' || v.length > CAMPAIGN_LIMITS.url || !/^https?:\/\/[^\s<>"']+$/i.test(v)) {
		errors.push(err(field, 'invalid_url', `${field} must be a web address starting with https:// or http://`));
	}
}

function checkTrigger(v: unknown, errors: FieldError[]) {
	if (v == null) return;
	if (!isObject(v)) return void errors.push(err('trigger', 'invalid_type', 'trigger must be an object'));
	if (!(TRIGGER_TYPES as readonly unknown[]).includes(v.type)) errors.push(err('trigger.type', 'invalid', `trigger.type must be one of ${TRIGGER_TYPES.join(', ')}`));
	checkNumber(v.delay_hours, 'trigger.delay_hours', 0, CAMPAIGN_LIMITS.delayMax, errors, { integer: true });
	checkNumber(v.reentry_days, 'trigger.reentry_days', 1, CAMPAIGN_LIMITS.reentryMax, errors, { integer: true });
}

function checkAudience(v: unknown, errors: FieldError[]) {
	if (v == null) return;
	if (!isObject(v)) return void errors.push(err('audience', 'invalid_type', 'audience must be an object'));
	if (v.segment != null && v.segment !== '' && (typeof v.segment !== 'string' || !RECORD_ID_RE.test(v.segment)))
		errors.push(err('audience.segment', 'invalid', 'audience.segment must be a segment id'));
	if (v.exclude != null) {
		if (!Array.isArray(v.exclude) || v.exclude.some((s) => typeof s !== 'string' || !RECORD_ID_RE.test(s)))
			errors.push(err('audience.exclude', 'invalid', 'audience.exclude must be a list of segment ids'));
		else if (v.exclude.length > CAMPAIGN_LIMITS.exclude) errors.push(err('audience.exclude', 'too_many', `at most ${CAMPAIGN_LIMITS.exclude} excluded segments`));
	}
	checkNumber(v.frequency_cap_days, 'audience.frequency_cap_days', 0, CAMPAIGN_LIMITS.frequencyCapMax, errors, { integer: true });
	checkNumber(v.holdout_pct, 'audience.holdout_pct', 0, CAMPAIGN_LIMITS.holdoutMax, errors);
}

function checkOffer(v: unknown, errors: FieldError[]) {
	if (v == null) return;
	if (!isObject(v)) return void errors.push(err('offer', 'invalid_type', 'offer must be an object'));
	const type = v.type ?? 'none';
	if (!(OFFER_TYPES as readonly unknown[]).includes(type)) return void errors.push(err('offer.type', 'invalid', `offer.type must be one of ${OFFER_TYPES.join(', ')}`));
	if (type === 'none') return;
	if (typeof v.value !== 'number' || !isFinite(v.value) || v.value <= 0) errors.push(err('offer.value', 'out_of_range', 'offer.value must be more than 0'));
	else if (type === 'percent' && v.value > 100) errors.push(err('offer.value', 'out_of_range', 'offer.value: a percentage discount is at most 100'));
	else if (v.value > CAMPAIGN_LIMITS.offerValueMax) errors.push(err('offer.value', 'out_of_range', `offer.value is at most ${CAMPAIGN_LIMITS.offerValueMax}`));
	if (type === 'threshold') {
		if (typeof v.threshold !== 'number' || !isFinite(v.threshold) || v.threshold <= 0)
			errors.push(err('offer.threshold', 'required', 'a spend-threshold discount needs the amount to reach (offer.threshold)'));
		else if (typeof v.value === 'number' && v.value >= v.threshold)
			errors.push(err('offer.value', 'out_of_range', 'offer.value: the discount must be less than the amount to reach (offer.threshold)'));
	}
	checkNumber(v.min_spend, 'offer.min_spend', 0, CAMPAIGN_LIMITS.offerValueMax, errors);
	for (const f of ['valid_from', 'valid_to'] as const) {
		if (v[f] != null && v[f] !== '' && (typeof v[f] !== 'string' || !DATE_RE.test(v[f] as string))) errors.push(err(`offer.${f}`, 'invalid_date', `offer.${f} must be a date (YYYY-MM-DD)`));
	}
	if (typeof v.valid_from === 'string' && typeof v.valid_to === 'string' && v.valid_from && v.valid_to && v.valid_from > v.valid_to)
		errors.push(err('offer.valid_to', 'invalid', 'offer.valid_to is before offer.valid_from'));
	if (v.code_mode != null && v.code_mode !== 'shared' && v.code_mode !== 'unique') errors.push(err('offer.code_mode', 'invalid', 'offer.code_mode is shared or unique'));
	if (v.code_mode === 'shared' && v.shared_code != null && v.shared_code !== '' && (typeof v.shared_code !== 'string' || !CODE_RE.test(v.shared_code.trim().toUpperCase()))) {
		errors.push(err('offer.shared_code', 'invalid', 'offer.shared_code: a coupon code has 4-32 capital letters, digits and dashes'));
	}
}

function checkContent(v: unknown, errors: FieldError[]) {
	if (v == null) return;
	if (!isObject(v)) return void errors.push(err('content', 'invalid_type', 'content must be an object'));
	const L = CAMPAIGN_LIMITS;
	const o = isObject(v.onsite) ? v.onsite : null;
	if (o) {
		if (o.style != null && o.style !== 'banner' && o.style !== 'popup') errors.push(err('content.onsite.style', 'invalid', 'content.onsite.style is banner or popup'));
		checkText(o.title, 'content.onsite.title', L.onsiteTitle, errors, { plain: true });
		checkText(o.body, 'content.onsite.body', L.onsiteBody, errors, { plain: true });
		checkText(o.cta_label, 'content.onsite.cta_label', L.ctaLabel, errors, { plain: true });
		checkUrl(o.cta_url, 'content.onsite.cta_url', errors);
		if (typeof o.body === 'string' && o.body.includes('{{unsubscribe_url}}'))
			errors.push(err('content.onsite.body', 'unknown_variable', 'content.onsite.body: {{unsubscribe_url}} is for e-mails only'));
	}
	const e = isObject(v.email) ? v.email : null;
	if (e) {
		checkText(e.subject, 'content.email.subject', L.emailSubject, errors, { plain: true });
		checkText(e.body, 'content.email.body', L.emailBody, errors, { plain: true });
	}
	const s = isObject(v.sms) ? v.sms : null;
	if (s) {
		if (s.template_id != null && s.template_id !== '' && (typeof s.template_id !== 'string' || !/^[A-Za-z0-9_.-]{1,64}$/.test(s.template_id)))
			errors.push(err('content.sms.template_id', 'invalid', 'content.sms.template_id is the template code your SMS provider gave you'));
		if (s.params != null) {
			if (!isObject(s.params) || Object.keys(s.params).length > L.smsParams) errors.push(err('content.sms.params', 'invalid', `content.sms.params is at most ${L.smsParams} named values`));
			else for (const [k, pv] of Object.entries(s.params)) checkText(pv, `content.sms.params.${k}`, L.smsParam, errors, { plain: true });
		}
	}
	const c = isObject(v.chat) ? v.chat : null;
	if (c) checkText(c.body, 'content.chat.body', L.chatBody, errors, { plain: true });
	const t = isObject(v.task) ? v.task : null;
	if (t) {
		if (t.kind != null && t.kind !== 'call' && t.kind !== 'visit') errors.push(err('content.task.kind', 'invalid', 'content.task.kind is call or visit'));
		checkText(t.note, 'content.task.note', L.taskNote, errors, { plain: true });
	}
}

function checkSchedule(v: unknown, errors: FieldError[]) {
	if (v == null) return;
	if (!isObject(v)) return void errors.push(err('schedule', 'invalid_type', 'schedule must be an object'));
	for (const f of ['send_at', 'ends_at'] as const) {
		if (v[f] != null && v[f] !== '' && (typeof v[f] !== 'string' || !isIsoTime(v[f] as string)))
			errors.push(err(`schedule.${f}`, 'invalid_time', `schedule.${f} must be a time with its zone, e.g. 2026-12-12T10:00:00+08:00`));
	}
	for (const f of ['quiet_from', 'quiet_to'] as const) {
		if (v[f] != null && v[f] !== '' && (typeof v[f] !== 'string' || !HHMM_RE.test(v[f] as string))) errors.push(err(`schedule.${f}`, 'invalid', `schedule.${f} must be a time of day (HH:MM)`));
	}
}

/** The format of a campaign record (create: whole; partial: only the fields sent). */
export function validateCampaign(data: Record<string, unknown>, opts: { partial?: boolean } = {}): FieldError[] {
	const errors: FieldError[] = [];
	for (const k of Object.keys(data)) {
		if (k === 'id' || k === 'seq' || k === 'created' || k === 'updated' || k === 'collectionId' || k === 'collectionName') continue;
		if ((CAMPAIGN_SERVER_FIELDS as readonly string[]).includes(k)) continue;
		if (!(CAMPAIGN_FIELDS as readonly string[]).includes(k)) errors.push(err(k, 'unknown_field', `${k} is not a campaign field`));
	}
	if (!opts.partial || 'name' in data) {
		if (typeof data.name !== 'string' || !data.name.trim()) errors.push(err('name', 'required', 'name is required'));
		else if (data.name.trim().length > CAMPAIGN_LIMITS.name) errors.push(err('name', 'too_long', `name is longer than ${CAMPAIGN_LIMITS.name} characters`));
	}
	if (!opts.partial || 'kind' in data) {
		if (!(CAMPAIGN_KINDS as readonly unknown[]).includes(data.kind)) errors.push(err('kind', 'invalid', `kind must be one of ${CAMPAIGN_KINDS.join(', ')}`));
	}
	if (data.state != null && !(CAMPAIGN_STATES as readonly unknown[]).includes(data.state)) errors.push(err('state', 'invalid', `state must be one of ${CAMPAIGN_STATES.join(', ')}`));
	if (data.channels != null) {
		if (!Array.isArray(data.channels) || data.channels.some((c) => !(CAMPAIGN_CHANNELS as readonly unknown[]).includes(c)))
			errors.push(err('channels', 'invalid', `channels are some of ${CAMPAIGN_CHANNELS.join(', ')}`));
	}
	checkTrigger(data.trigger, errors);
	checkAudience(data.audience, errors);
	checkOffer(data.offer, errors);
	checkContent(data.content, errors);
	checkSchedule(data.schedule, errors);
	// 0: the default window (7 days).
	checkNumber(data.attribution_days, 'attribution_days', 0, CAMPAIGN_LIMITS.attributionMax, errors, { integer: true });
	checkNumber(data.cost, 'cost', 0, CAMPAIGN_LIMITS.costMax, errors);
	checkText(data.notes, 'notes', CAMPAIGN_LIMITS.notes, errors);
	if (data.owner != null && data.owner !== '' && (typeof data.owner !== 'string' || !RECORD_ID_RE.test(data.owner))) errors.push(err('owner', 'invalid', 'owner must be a staff id'));
	return errors;
}

/** Trims and defaults what a device writes, as the server stores it. */
export function normalizeCampaign<T extends Record<string, unknown>>(data: T): T {
	const out: Record<string, unknown> = { ...data };
	if (typeof out.name === 'string') out.name = out.name.trim();
	const offer = isObject(out.offer) ? { ...out.offer } : null;
	if (offer && typeof offer.shared_code === 'string') offer.shared_code = offer.shared_code.trim().toUpperCase();
	if (offer) out.offer = offer;
	return out as T;
}

/** What must be there before a campaign may be published, field by field (the editor's review). */
export function validatePublishable(c: Record<string, unknown>, now = Date.now()): FieldError[] {
	const errors = validateCampaign(c);
	const channels = Array.isArray(c.channels) ? (c.channels as CampaignChannel[]) : [];
	const audience = (isObject(c.audience) ? c.audience : {}) as CampaignAudience;
	const content = (isObject(c.content) ? c.content : {}) as CampaignContent;
	const schedule = (isObject(c.schedule) ? c.schedule : {}) as CampaignSchedule;
	const offer = (isObject(c.offer) ? c.offer : { type: 'none' }) as unknown as CampaignOffer;
	if (!channels.length) errors.push(err('channels', 'required', 'choose at least one channel'));
	if (c.kind === 'broadcast' && !audience.segment) errors.push(err('audience.segment', 'required', 'choose the segment to send to'));
	if (c.kind === 'triggered' && !(isObject(c.trigger) && (TRIGGER_TYPES as readonly unknown[]).includes((c.trigger as unknown as CampaignTrigger).type)))
		errors.push(err('trigger.type', 'required', 'choose what starts the campaign'));
	const need = (ok: unknown, field: string, what: string) => {
		if (typeof ok !== 'string' || !ok.trim()) errors.push(err(field, 'required', what));
	};
	if (channels.includes('onsite')) need(content.onsite?.body, 'content.onsite.body', 'write the on-site message');
	if (channels.includes('email')) {
		need(content.email?.subject, 'content.email.subject', 'write the e-mail subject');
		need(content.email?.body, 'content.email.body', 'write the e-mail');
	}
	if (channels.includes('sms')) need(content.sms?.template_id, 'content.sms.template_id', 'give the SMS template code');
	if (channels.includes('chat')) need(content.chat?.body, 'content.chat.body', 'write the chat message');
	if (channels.includes('task')) need(content.task?.note, 'content.task.note', 'say what the sales rep should do');
	if (offer.type && offer.type !== 'none') {
		if (offer.code_mode === 'shared') need(offer.shared_code, 'offer.shared_code', 'give the shared coupon code');
		if (offer.valid_to && offer.valid_to < new Date(now).toISOString().slice(0, 10)) errors.push(err('offer.valid_to', 'in_past', 'the coupon would already have expired'));
	}
	if (c.kind === 'broadcast' && schedule.send_at && Date.parse(schedule.send_at) < now - 60_000)
		errors.push(err('schedule.send_at', 'in_past', 'the send time has passed: choose a later one, or send now'));
	if (schedule.ends_at && Date.parse(schedule.ends_at) < now) errors.push(err('schedule.ends_at', 'in_past', 'the end time has passed'));
	// A message that names the coupon needs one.
	const usesCoupon = JSON.stringify(content).includes('{{coupon}}');
	if (usesCoupon && (!offer.type || offer.type === 'none')) errors.push(err('offer.type', 'required', 'the message shows {{coupon}}: add an offer, or take the variable out'));
	return errors;
}

/** The variables of a message filled in; values are plain text (each channel escapes for its medium). */
export function fillTemplate(text: string, vars: Partial<Record<(typeof TEMPLATE_VARS)[number], string>>): string {
	return text.replace(VAR_RE, (_m, name: string) => vars[name as (typeof TEMPLATE_VARS)[number]] ?? '');
}

/** The offer in words for {{offer}} (zh-CN or en). */
export function describeOffer(offer: CampaignOffer | null | undefined, locale: 'zh-CN' | 'en' = 'zh-CN'): string {
	if (!offer || offer.type === 'none' || !offer.value) return '';
	const n = (v: number) => (Math.round(v * 100) / 100).toString();
	const min = offer.min_spend ? (locale === 'en' ? ` on orders of ¥${n(offer.min_spend)} or more` : `（满 ¥${n(offer.min_spend)} 可用）`) : '';
	if (offer.type === 'fixed') return locale === 'en' ? `¥${n(offer.value)} off${min}` : `立减 ¥${n(offer.value)}${min}`;
	if (offer.type === 'percent') return locale === 'en' ? `${n(offer.value)}% off${min}` : `${n(10 - offer.value / 10)} 折${min}`;
	return locale === 'en' ? `¥${n(offer.value)} off every ¥${n(offer.threshold ?? 0)}` : `满 ¥${n(offer.threshold ?? 0)} 减 ¥${n(offer.value)}`;
}
