// Live chat records as the server's records API returns them (docs/api/chat.md).

export type Topic = 'pre_sale' | 'order_problem' | 'complaint' | 'other';
export type ConversationStatus = 'open' | 'pending' | 'resolved';
export const TOPICS: Topic[] = ['pre_sale', 'order_problem', 'complaint', 'other'];
export const STATUSES: ConversationStatus[] = ['open', 'pending', 'resolved'];

export interface Conversation {
	id: string;
	visitor: string;
	customer?: string;
	topic?: Topic | '';
	status: ConversationStatus;
	assignee?: string;
	tags?: string[] | null;
	channel?: string;
	last_message_at?: string;
	last_message_preview?: string;
	first_response_at?: string;
	resolved_at?: string;
	reopened?: number;
	rating?: number;
	rating_comment?: string;
	visitor_read_at?: string;
	agent_read_at?: string;
	visitor_typing_at?: string;
	agent_typing_at?: string;
	after_hours?: boolean;
	/** Left with an after-hours message: how to reach the shopper (docs/api/chat.md). */
	contact?: { email?: string; phone?: string } | null;
	created: string;
	updated: string;
	expand?: { visitor?: { id: string; name?: string; locale?: string; blocked?: boolean } };
}

export interface ChatMessage {
	id: string;
	conversation: string;
	client_id: string;
	author_kind: 'visitor' | 'agent' | 'system';
	author_staff?: string;
	body: string;
	internal?: boolean;
	attachments?: string[];
	collectionId?: string;
	created: string;
	/** Local only: still waiting in this device's outbox. */
	pending?: boolean;
	/** Local only: the server refused it (reason). */
	failed?: string;
	expand?: { author_staff?: { id: string; name?: string } };
}

export type CaseKind = 'inquiry' | 'complaint';
export type CasePriority = 'low' | 'normal' | 'high' | 'urgent';
export type CaseStatus = 'open' | 'in_progress' | 'resolved' | 'closed';
export const CASE_PRIORITIES: CasePriority[] = ['low', 'normal', 'high', 'urgent'];
export const CASE_STATUSES: CaseStatus[] = ['open', 'in_progress', 'resolved', 'closed'];

export interface ChatCase {
	id: string;
	customer?: string;
	conversation?: string;
	kind: CaseKind;
	category?: string;
	priority: CasePriority;
	status: CaseStatus;
	assignee?: string;
	summary?: string;
	first_response_due?: string;
	resolution_due?: string;
	first_response_at?: string;
	resolved_at?: string;
	created: string;
	updated: string;
}

export interface CannedReply {
	id: string;
	owner?: string;
	shared?: boolean;
	shortcut?: string;
	title?: string;
	body: string;
	deleted?: boolean;
}
