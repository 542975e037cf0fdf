// English messages of a customer's personal-data rights (administrators); registered by that section.
export const rightsEn = {
	'rights.title': 'Personal data (PIPL)',
	'rights.intro': 'At the person’s request: a copy of everything held about them, or erasure of all of it. Both are recorded in the audit log.',
	'rights.export_json': 'Export all data (JSON)',
	'rights.export_csv': 'Export all data (CSV)',
	'rights.exported': 'Downloaded {file}.',
	'rights.erase': 'Erase this person’s data…',
	'rights.erase_warning':
		'This removes their name, phone numbers, e-mails, addresses, notes, field history, chat messages and images, visit texts and shop links, here and on every device, and cannot be undone. Orders, visits and figures stay, without their identity.',
	'rights.confirm_label': 'Type the customer’s name to confirm: {name}',
	'rights.confirm_mismatch': 'The name does not match. Type it exactly as shown.',
	'rights.erase_now': 'Erase permanently',
	'rights.cancel': 'Cancel',
	'rights.erased': 'The person’s data was erased. Devices remove it at their next sync.',
	'rights.erased_already': 'This customer’s personal data was erased at their request.',
	'rights.offline': 'This needs a connection to the server: it is done and recorded there.',
	'rights.failed': 'It did not work (error {status}). Nothing was changed; try again.'
} as const;
