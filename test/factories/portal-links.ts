import type { z } from 'zod';
import { createPortalLinkSchema } from '../../src/portal-links/portal-link.dto';
import { PortalLinkService } from '../../src/portal-links/portal-link.service';
import { asJson, nestOf, principalOf, type Host, type Owner } from './host';

export interface MintedLink {
  id: string;
  url: string;
  token: string;
  body: Record<string, unknown>;
}

// A portal link as POST /api/v1/portal-links mints it; `token` is what follows /p/ in its URL.
export async function mintPortalLink(host: Host, owner: Owner, customerId: string, input: Omit<Partial<z.input<typeof createPortalLinkSchema>>, 'customerId'> = {}): Promise<MintedLink> {
  const minted = await nestOf(host).get(PortalLinkService).mint(principalOf(owner), createPortalLinkSchema.parse({ customerId, ...input }));
  const body = asJson<Record<string, unknown> & { id: string; url: string }>(minted);
  return { id: body.id, url: body.url, token: body.url.split('/p/')[1], body };
}
