import { fieldErrors, formFieldOf, parseSettingsForm } from './settings-form';

describe('settings forms', () => {
  it('turns the branding form into the API patch, empty optional fields becoming null', () => {
    const { input, errors } = parseSettingsForm('branding', { logoUrl: '', primaryColor: '#112233', accentColor: '#445566', footerText: '  Ltd  ', supportEmail: '' }, [31337]);
    expect(errors).toEqual({});
    expect(input).toEqual({ branding: { logoUrl: null, primaryColor: '#112233', accentColor: '#445566', footerText: 'Ltd', supportEmail: null } });
  });

  it('reads unticked checkboxes as false and minutes as seconds', () => {
    const { input } = parseSettingsForm('portal', { cancelMode: 'at_period_end', cancel: 'on', linkLifetimeMinutes: '15', cancellationReasons: 'A\r\n\r\n B \n' }, [31337]);
    expect(input?.portalSettings).toMatchObject({ cancel: true, pause: false, switchPlan: false, maxPauseDays: null, cancellationReasons: ['A', 'B'], allowedPlanSwitches: [] });
    expect(input?.defaultLinkTtlSeconds).toBe(900);
  });

  it('sends only the claims choice of the billing settings, and refuses anything but review or auto', () => {
    expect(parseSettingsForm('claims', { claims: 'auto' }, []).input).toEqual({ billingSettings: { claims: 'auto' } });
    expect(parseSettingsForm('claims', { claims: 'review' }, []).input).toEqual({ billingSettings: { claims: 'review' } });
    for (const claims of ['', 'sometimes']) expect(parseSettingsForm('claims', { claims }, [])).toEqual({ input: null, errors: { claims: 'choose whether claims wait for your review' } });
  });

  it('clears an address left empty and checksums a filled one', () => {
    const { input } = parseSettingsForm('addresses', { address_1: '', address_31337: '0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc' }, [1, 31337]);
    expect(input?.receivingAddresses).toEqual({ '1': null, '31337': '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC' });
  });

  it('maps API paths back to form fields, with line numbers for lists', () => {
    expect(formFieldOf(['branding', 'logoUrl'])).toEqual({ name: 'logoUrl', line: null });
    expect(formFieldOf(['receivingAddresses', '31337'])).toEqual({ name: 'address_31337', line: null });
    expect(formFieldOf(['defaultLinkTtlSeconds'])).toEqual({ name: 'linkLifetimeMinutes', line: null });
    expect(formFieldOf(['returnUrlPrefixes', 2])).toEqual({ name: 'returnUrlPrefixes', line: 3 });
    expect(fieldErrors([{ path: ['embedOrigins', 0], message: 'bad' }, { path: ['embedOrigins', 1], message: 'worse' }])).toEqual({ embedOrigins: 'Line 1: bad' });
  });

  it('rejects what the API rejects', () => {
    const { input, errors } = parseSettingsForm('portal', { cancelMode: 'never', linkLifetimeMinutes: 'ten', maxPauseDays: '400' }, []);
    expect(input).toBeNull();
    expect(Object.keys(errors).sort()).toEqual(['cancelMode', 'linkLifetimeMinutes', 'maxPauseDays']);
  });
});
