/// <reference path="../../pb_data/types.d.ts" />
// The shop's day boundaries: CRM_TZ_OFFSET_MINUTES from UTC (default 480, China Standard Time), the
// same setting the event ingestion (server/ingest.go) files events under.
const v = Number($os.getenv('CRM_TZ_OFFSET_MINUTES'));
const TZ_OFFSET = $os.getenv('CRM_TZ_OFFSET_MINUTES') !== '' && isFinite(v) && Math.abs(v) <= 14 * 60 ? Math.floor(v) : 480;

module.exports = { TZ_OFFSET };
