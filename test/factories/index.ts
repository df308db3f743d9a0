export * from './billing';
export * from './host';
export * from './merchants';
export * from './payments';
export * from './portal-links';
