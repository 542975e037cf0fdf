// Entry for the server bundle (pb_hooks/lib/shared.js): the same code the device runs.
export * from './customer-fields';
export * from './validation';
export * from './chat-contact';
export * from './cases';
export * from './state-equal';
export * from './history';
export * from './segments';
export * from './segments-record';
export * from './service-records';
export * from './labels';
export * from './events';
export * from './campaigns';
export * from './money';
export * from './list-views';
export * from './products';
