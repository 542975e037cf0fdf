import type { backupEn } from './backup.en';

// “设置 → 备份”的中文文案（./backup.en.ts 的每个键）。
export const backupZhCN: Record<keyof typeof backupEn, string> = {
	'backup.title': '备份',
	'backup.intro': '数据库的每次更改都会在几秒内复制到备份位置，另外每天保留一份快照。',
	'backup.last': '上次备份 {ago}',
	'backup.never': '还没有完成过备份。',
	'backup.target': '备份位置：{target}',
	'backup.snapshot': '上次每日快照：{when}',
	'backup.snapshot_none': '还没有每日快照。',
	'backup.off': '备份已关闭（CRM_BACKUP=off）：服务器硬盘损坏时数据将无法恢复。请让服务器管理员开启备份。',
	'backup.failing': '备份已停止：{reason}。上次备份之后的更改还没有保存到别处，请告知服务器管理员。',
	'backup.reason.not_running': '备份程序没有运行',
	'backup.reason.never': '第一次备份还没有完成',
	'backup.reason.behind': '上次备份在{ago}',
	'backup.offline': '当前离线：联网后显示备份状态。',
	'backup.load_failed': '无法读取备份状态（错误 {status}）。'
};
