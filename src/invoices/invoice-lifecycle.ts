// Pure invoice rules: what an invoice's status means, when it can be paid, when it holds its
// amount tag, and every transition. No I/O, no clock (time arrives on each event). The
// InvoiceLifecycleService is the only code that applies these to rows.

export const InvoiceStatus = {
  Open: 'open',
  PartiallyPaid: 'partially_paid',
  Paid: 'paid',
  Expired: 'expired',
  Void: 'void',
} as const;
export type InvoiceStatus = (typeof InvoiceStatus)[keyof typeof InvoiceStatus];

export const INVOICE_STATUSES = Object.values(InvoiceStatus) as [InvoiceStatus, ...InvoiceStatus[]];

// Waiting for money: the customer is asked to pay these (until they expire).
export const AWAITING_PAYMENT: readonly InvoiceStatus[] = [InvoiceStatus.Open, InvoiceStatus.PartiallyPaid];

// Status sets as SQL literals, for queries that must agree with the rules above.
export function sqlStatuses(statuses: readonly InvoiceStatus[]): string {
  return statuses.map((s) => `'${s}'`).join(', ');
}

// A claimed or hand-assigned transfer may go to these (an expired one is paid late).
export const ACCEPTS_MANUAL_PAYMENT: readonly InvoiceStatus[] = [InvoiceStatus.Open, InvoiceStatus.PartiallyPaid, InvoiceStatus.Expired];

export interface InvoiceState {
  status: InvoiceStatus;
  amountDue: bigint;
  amountReceived: bigint; // matched payments not reversed
  amountConfirmed: bigint; // matched payments at confirmation depth
  // Surplus already turned into customer credit (overpayments, repeat payments, payments of a void invoice).
  amountCredited: bigint;
  expiresAt: Date;
  // Until then the exact tagged amount stays reserved for this invoice, so a late or repeated
  // payment of it is recognised as this customer's and never lands on another invoice.
  monitorUntil: Date;
  tagHeld: boolean;
  paidAt: Date | null;
}

export type InvoiceEvent =
  // Payments changed (detected, confirmed, reversed, matched by hand or by claim).
  | { type: 'settle'; received: bigint; confirmed: bigint; now: Date; monitorMs: number }
  | { type: 'expire'; now: Date }
  | { type: 'void'; now: Date }
  // The monitoring window is over: the amount goes back to the pool.
  | { type: 'release_tag'; now: Date };

export type InvoiceEventType = InvoiceEvent['type'];

export type InvoiceChange = 'invoice.paid' | 'invoice.partially_paid' | 'invoice.expired' | 'invoice.voided' | 'invoice.reopened';

export class IllegalInvoiceTransitionError extends Error {
  constructor(
    readonly from: InvoiceStatus,
    readonly event: InvoiceEventType,
    message: string,
  ) {
    super(message);
    this.name = 'IllegalInvoiceTransitionError';
  }
}

export interface InvoiceTransition {
  state: InvoiceState;
  // The webhook event a merchant can act on, when the status changed.
  change: InvoiceChange | null;
  // Credit to add to the customer's balance for this invoice's asset (negative when a reorg takes
  // back a surplus that had been credited).
  creditDelta: bigint;
}

export function initialState(input: { amountDue: bigint; expiresAt: Date; monitorUntil: Date }): InvoiceState {
  return {
    status: InvoiceStatus.Open,
    amountDue: input.amountDue,
    amountReceived: 0n,
    amountConfirmed: 0n,
    amountCredited: 0n,
    expiresAt: input.expiresAt,
    monitorUntil: input.monitorUntil,
    tagHeld: true,
    paidAt: null,
  };
}

// The customer may pay it now: awaiting payment and not past its expiry.
export function isPayable(invoice: { status: string; expiresAt: Date }, now: Date): boolean {
  return isAwaitingPayment(invoice.status) && invoice.expiresAt > now;
}

export function isAwaitingPayment(status: string): boolean {
  return status === InvoiceStatus.Open || status === InvoiceStatus.PartiallyPaid;
}

// Awaiting payment but past expiry, before the sweep marks it: shown as overdue, not payable.
export function isOverdue(invoice: { status: string; expiresAt: Date }, now: Date): boolean {
  return isAwaitingPayment(invoice.status) && invoice.expiresAt <= now;
}

// A claimed or hand-assigned transfer may only go to an invoice that still wants money.
export function acceptsManualPayment(status: string): boolean {
  return (ACCEPTS_MANUAL_PAYMENT as readonly string[]).includes(status);
}

// Rule 1 (exact amount) recognises a transfer as this invoice's while the tag is held and the
// transfer was mined before the monitoring window closed. What the payment then means (pays it,
// pays it late, or becomes credit because it is already paid or void) follows from statusFor.
export function recognisesTaggedTransfer(invoice: { tagHeld: boolean; monitorUntil: Date }, minedAt: Date): boolean {
  return invoice.tagHeld && minedAt <= invoice.monitorUntil;
}

// What the received amounts mean. Status is always recomputed from the payments, never
// incremented: paid once the confirmed amount covers the amount due; partially paid while
// something short has arrived; an unpaid invoice past its expiry is expired; void stays void.
export function statusFor(t: { status: InvoiceStatus; amountDue: bigint; received: bigint; confirmed: bigint; expiresAt: Date; now: Date }): InvoiceStatus {
  if (t.status === InvoiceStatus.Void) return InvoiceStatus.Void;
  if (t.confirmed >= t.amountDue) return InvoiceStatus.Paid;
  const expired = t.now >= t.expiresAt;
  if (t.received > 0n && t.received < t.amountDue) return expired ? InvoiceStatus.Expired : InvoiceStatus.PartiallyPaid;
  return expired ? InvoiceStatus.Expired : InvoiceStatus.Open;
}

// The part of the confirmed money this invoice does not need: everything on a void invoice,
// the excess over the amount due otherwise.
export function surplus(state: Pick<InvoiceState, 'status' | 'amountDue' | 'amountConfirmed'>): bigint {
  const owed = state.status === InvoiceStatus.Void ? 0n : state.amountDue;
  return state.amountConfirmed > owed ? state.amountConfirmed - owed : 0n;
}

export function transition(state: InvoiceState, event: InvoiceEvent): InvoiceTransition {
  switch (event.type) {
    case 'settle':
      return settle(state, event);
    case 'expire':
      if (!isAwaitingPayment(state.status)) throw illegal(state, event, `an invoice that is ${state.status} cannot expire`);
      if (state.expiresAt > event.now) throw illegal(state, event, 'the invoice has not reached its expiry');
      return finish(state, { ...state, status: InvoiceStatus.Expired });
    case 'void':
      // A paid invoice is history; void only withdraws a request for money nobody has paid in full.
      if (state.status === InvoiceStatus.Paid || state.status === InvoiceStatus.Void) throw illegal(state, event, `an invoice that is ${state.status} cannot be voided`);
      return finish(state, { ...state, status: InvoiceStatus.Void });
    case 'release_tag':
      if (!state.tagHeld) throw illegal(state, event, 'the amount tag is not held');
      if (isAwaitingPayment(state.status)) throw illegal(state, event, 'an invoice awaiting payment keeps its amount tag');
      if (state.monitorUntil > event.now) throw illegal(state, event, 'the monitoring window is still open');
      return finish(state, { ...state, tagHeld: false });
  }
}

export function canTransition(state: InvoiceState, event: InvoiceEvent): boolean {
  try {
    transition(state, event);
    return true;
  } catch (err) {
    if (err instanceof IllegalInvoiceTransitionError) return false;
    throw err;
  }
}

function settle(state: InvoiceState, e: Extract<InvoiceEvent, { type: 'settle' }>): InvoiceTransition {
  if (e.confirmed > e.received || e.confirmed < 0n) throw illegal(state, e, 'confirmed cannot exceed received');
  const computed = statusFor({ status: state.status, amountDue: state.amountDue, received: e.received, confirmed: e.confirmed, expiresAt: state.expiresAt, now: e.now });
  // Once its amount went back to the pool an invoice can no longer be asked to be paid again.
  const status = !state.tagHeld && isAwaitingPayment(computed) ? InvoiceStatus.Expired : computed;
  const paidNow = status === InvoiceStatus.Paid && state.status !== InvoiceStatus.Paid;
  // Paid late in the window: keep the tag a full window after payment, so a repeat of the same
  // amount is still recognised as this customer's.
  const monitorUntil = paidNow && e.now.getTime() + e.monitorMs > state.monitorUntil.getTime() ? new Date(e.now.getTime() + e.monitorMs) : state.monitorUntil;
  return finish(state, {
    ...state,
    status,
    amountReceived: e.received,
    amountConfirmed: e.confirmed,
    paidAt: status === InvoiceStatus.Paid ? (state.paidAt ?? e.now) : null,
    monitorUntil,
  });
}

function finish(before: InvoiceState, next: InvoiceState): InvoiceTransition {
  const credited = surplus(next);
  const state = { ...next, amountCredited: credited };
  return { state, change: changeFor(before.status, next.status), creditDelta: credited - before.amountCredited };
}

function changeFor(before: InvoiceStatus, after: InvoiceStatus): InvoiceChange | null {
  if (before === after) return null;
  switch (after) {
    case InvoiceStatus.Paid:
      return 'invoice.paid';
    case InvoiceStatus.PartiallyPaid:
      return 'invoice.partially_paid';
    case InvoiceStatus.Expired:
      return 'invoice.expired';
    case InvoiceStatus.Void:
      return 'invoice.voided';
    case InvoiceStatus.Open:
      return 'invoice.reopened';
  }
}

function illegal(state: InvoiceState, event: InvoiceEvent, message: string): IllegalInvoiceTransitionError {
  return new IllegalInvoiceTransitionError(state.status, event.type, `Illegal invoice transition (${event.type} from ${state.status}): ${message}`);
}
