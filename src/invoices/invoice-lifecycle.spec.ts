import fc from 'fast-check';
import {
  IllegalInvoiceTransitionError,
  InvoiceStatus,
  canTransition,
  initialState,
  isPayable,
  recognisesTaggedTransfer,
  statusFor,
  surplus,
  transition,
  type InvoiceEvent,
  type InvoiceState,
} from './invoice-lifecycle';

const S = InvoiceStatus;
const HOUR = 3_600_000;
const T0 = new Date('2026-01-01T00:00:00Z');
const at = (h: number) => new Date(T0.getTime() + h * HOUR);
const MONITOR_MS = 24 * HOUR;
const DUE = 10_000_001n;

// Fixtures are built through real transitions so they can never drift into impossible states.
const open = (): InvoiceState => initialState({ amountDue: DUE, expiresAt: at(72), monitorUntil: at(96) });
const apply = (state: InvoiceState, ...events: InvoiceEvent[]): InvoiceState => events.reduce((s, e) => transition(s, e).state, state);
const settle = (received: bigint, confirmed: bigint, now = at(1)): InvoiceEvent => ({ type: 'settle', received, confirmed, now, monitorMs: MONITOR_MS });

describe('statusFor', () => {
  const base = { status: S.Open, amountDue: 100n, received: 0n, confirmed: 0n, expiresAt: at(72), now: at(1) };
  it.each([
    ['nothing received', {}, S.Open],
    ['part received', { received: 40n }, S.PartiallyPaid],
    ['all received, not yet confirmed', { received: 100n }, S.Open],
    ['confirmed in full', { received: 100n, confirmed: 100n }, S.Paid],
    ['confirmed over', { received: 150n, confirmed: 150n }, S.Paid],
    ['nothing received after expiry', { now: at(73) }, S.Expired],
    ['part received after expiry', { received: 40n, now: at(73) }, S.Expired],
    ['void stays void', { status: S.Void, received: 100n, confirmed: 100n }, S.Void],
  ])('%s → %s', (_name, over, expected) => {
    expect(statusFor({ ...base, ...over })).toBe(expected);
  });
});

describe('isPayable', () => {
  it.each([
    [S.Open, at(1), true],
    [S.PartiallyPaid, at(1), true],
    [S.Open, at(72), false],
    [S.Paid, at(1), false],
    [S.Expired, at(1), false],
    [S.Void, at(1), false],
  ])('%s at %s → %s', (status, now, expected) => {
    expect(isPayable({ status, expiresAt: at(72) }, now)).toBe(expected);
  });
});

describe('transitions', () => {
  it('pays in full once confirmed, and records when', () => {
    const t = transition(open(), settle(DUE, DUE, at(2)));
    expect(t.state).toMatchObject({ status: S.Paid, paidAt: at(2), amountCredited: 0n });
    expect(t.change).toBe('invoice.paid');
    expect(t.creditDelta).toBe(0n);
  });

  it('turns an overpayment into credit exactly once', () => {
    const paid = transition(open(), settle(DUE + 5n, DUE + 5n));
    expect(paid.creditDelta).toBe(5n);
    const again = transition(paid.state, settle(DUE + 5n, DUE + 5n, at(3)));
    expect(again.creditDelta).toBe(0n);
    expect(again.change).toBeNull();
  });

  it('credits a repeat payment of a paid invoice in full and keeps it paid', () => {
    const paid = apply(open(), settle(DUE, DUE));
    const t = transition(paid, settle(2n * DUE, 2n * DUE, at(5)));
    expect(t.state.status).toBe(S.Paid);
    expect(t.creditDelta).toBe(DUE);
  });

  it('credits money sent to a void invoice', () => {
    const voided = apply(open(), { type: 'void', now: at(1) });
    const t = transition(voided, settle(DUE, DUE, at(2)));
    expect(t.state.status).toBe(S.Void);
    expect(t.creditDelta).toBe(DUE);
  });

  it('reopens on reversal and takes back credit it had granted', () => {
    const paid = apply(open(), settle(DUE + 5n, DUE + 5n));
    const t = transition(paid, settle(0n, 0n, at(4)));
    expect(t.state).toMatchObject({ status: S.Open, paidAt: null });
    expect(t.change).toBe('invoice.reopened');
    expect(t.creditDelta).toBe(-5n);
  });

  it('keeps the tag a full window after a late payment', () => {
    const late = transition(apply(open(), { type: 'expire', now: at(73) }), settle(DUE, DUE, at(90)));
    expect(late.state.status).toBe(S.Paid);
    expect(late.state.monitorUntil).toEqual(at(90 + 24));
  });

  it('expires only after expiry and only while awaiting payment', () => {
    expect(canTransition(open(), { type: 'expire', now: at(71) })).toBe(false);
    expect(transition(open(), { type: 'expire', now: at(72) }).change).toBe('invoice.expired');
    expect(canTransition(apply(open(), settle(DUE, DUE)), { type: 'expire', now: at(80) })).toBe(false);
  });

  it('never voids a paid invoice', () => {
    expect(() => transition(apply(open(), settle(DUE, DUE)), { type: 'void', now: at(2) })).toThrow(IllegalInvoiceTransitionError);
  });

  it('releases the tag only after the window and never while awaiting payment', () => {
    expect(canTransition(open(), { type: 'release_tag', now: at(200) })).toBe(false);
    const paid = apply(open(), settle(DUE, DUE));
    expect(canTransition(paid, { type: 'release_tag', now: at(95) })).toBe(false);
    expect(transition(paid, { type: 'release_tag', now: at(96) }).state.tagHeld).toBe(false);
  });

  it('recognises a tagged transfer only while held and inside the window', () => {
    expect(recognisesTaggedTransfer({ tagHeld: true, monitorUntil: at(96) }, at(96))).toBe(true);
    expect(recognisesTaggedTransfer({ tagHeld: true, monitorUntil: at(96) }, at(97))).toBe(false);
    expect(recognisesTaggedTransfer({ tagHeld: false, monitorUntil: at(96) }, at(1))).toBe(false);
  });
});

describe('invariants over any sequence of events', () => {
  const amount = fc.bigInt({ min: 0n, max: 3n * DUE });
  const hour = fc.integer({ min: 0, max: 200 });
  const event: fc.Arbitrary<InvoiceEvent> = fc.oneof(
    fc.tuple(amount, amount, hour).map(([a, b, h]) => {
      const [confirmed, received] = a <= b ? [a, b] : [b, a];
      return settle(received, confirmed, at(h));
    }),
    hour.map((h): InvoiceEvent => ({ type: 'expire', now: at(h) })),
    hour.map((h): InvoiceEvent => ({ type: 'void', now: at(h) })),
    hour.map((h): InvoiceEvent => ({ type: 'release_tag', now: at(h) })),
  );

  it('status, credit and tag stay consistent', () => {
    fc.assert(
      fc.property(fc.array(event, { maxLength: 30 }), (events) => {
        let state = open();
        let credited = 0n;
        for (const e of events) {
          let t;
          try {
            t = transition(state, e);
          } catch (err) {
            // Only a refused transition may throw, and it leaves the state as it was.
            expect(err).toBeInstanceOf(IllegalInvoiceTransitionError);
            continue;
          }
          credited += t.creditDelta;
          const before = state;
          state = t.state;
          // The credit ledger always equals the surplus: nothing credited twice or lost.
          expect(credited).toBe(state.amountCredited);
          expect(state.amountCredited).toBe(surplus(state));
          // Paid means confirmed covers the amount due, and a paid invoice has a paid date.
          expect(state.status === S.Paid).toBe(state.status !== S.Void && state.amountConfirmed >= state.amountDue);
          expect(state.paidAt !== null).toBe(state.status === S.Paid);
          // Void is final for the status.
          if (before.status === S.Void) expect(state.status).toBe(S.Void);
          // A released tag is never taken again, and an invoice awaiting payment always holds its tag.
          if (!before.tagHeld) expect(state.tagHeld).toBe(false);
          if (state.status === S.Open || state.status === S.PartiallyPaid) expect(state.tagHeld).toBe(true);
          // The monitoring window only grows.
          expect(state.monitorUntil.getTime()).toBeGreaterThanOrEqual(before.monitorUntil.getTime());
        }
      }),
    );
  });
});
