// English messages of the Staff screen (administrators); registered by that screen.
export const staffEn = {
	'staff.active': 'Active',
	'staff.deactivated': 'Deactivated',
	'staff.deactivated_on': 'Deactivated {when}',
	'staff.edit': 'Manage {name}',
	'staff.close': 'Close',
	'staff.details': 'Role and team',
	'staff.save': 'Save',
	'staff.saved': 'Saved.',
	'staff.reset_password': 'Set a new password',
	'staff.reset_hint': 'For a colleague who forgot theirs. Their devices ask for the new password when they next connect.',
	'staff.new_password': 'New password',
	'staff.password_set': 'New password set for {name}. Tell them in person or by phone, not by e-mail.',
	'staff.password_short': 'The password needs at least 8 characters.',
	'staff.deactivate': 'Deactivate account',
	'staff.sign_out_everywhere': 'Sign out of every device',
	'staff.sign_out_everywhere_hint':
		'For a lost or handed-on phone: {name} is signed out on every device at once, and each deletes its copy of the data at its next contact. {name} can sign in again with the password.',
	'staff.signed_out_everywhere': '{name} is signed out of every device.',
	'staff.deactivate_hint':
		'For someone who left. They are signed out on every device at once; their phones and tablets delete the customer data they hold at their next contact. Nothing they recorded is deleted.',
	'staff.hand_over': 'Hand their {n} customers to',
	'staff.hand_over_none': 'Nobody yet (managers assign them later)',
	'staff.deactivate_confirm': 'Deactivate {name}? They can no longer sign in.',
	'staff.deactivated_done': '{name} is deactivated. {moved} customers handed over, {requeued} open chats back in the queue.',
	'staff.reactivate': 'Reactivate account',
	'staff.reactivate_hint': 'They sign in again with their password; sessions from before stay closed.',
	'staff.reactivated_done': '{name} can sign in again.',
	'staff.self': 'This is you: another administrator manages your account.',
	'staff.failed': 'That did not work: {reason}',
	'staff.customers': '{n} customers'
} as const;
