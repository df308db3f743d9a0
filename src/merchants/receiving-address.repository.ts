import { Injectable } from '@nestjs/common';
import { Db } from '../database/db.service';

export type AddressProofKind = 'signature' | 'testnet' | 'migrated';

export interface OwnedAddress {
  chainId: number;
  // Lower-cased: the registry compares addresses whatever their letter case.
  address: string;
  proof: AddressProofKind;
  verifiedAt: Date | null;
}

export interface AddressClaim {
  chainId: number;
  address: string;
  proof: AddressProofKind;
  proofMessage: string | null;
  proofSignature: string | null;
  verifiedAt: Date | null;
}

export interface AddressChallenge {
  id: string;
  merchantId: string;
  chainId: number;
  address: string;
  message: string;
  expiresAt: Date;
}

interface ChallengeRow {
  id: string;
  merchant_id: string;
  chain_id: number;
  address: string;
  message: string;
  expires_at: Date;
}

// The ownership registry of receiving addresses and the pending proof challenges. Plain SQL: the
// primary key on (chain_id, address) is the rule, and ON CONFLICT is how it is asked.
@Injectable()
export class ReceivingAddressRepository {
  constructor(private readonly db: Db) {}

  async ownedBy(merchantId: string): Promise<OwnedAddress[]> {
    const rows: { chain_id: number; address: string; proof: AddressProofKind; verified_at: Date | null }[] = await this.db.manager.query(
      `SELECT chain_id, address, proof, verified_at FROM receiving_address WHERE merchant_id = $1 ORDER BY chain_id`,
      [merchantId],
    );
    return rows.map((r) => ({ chainId: r.chain_id, address: r.address, proof: r.proof, verifiedAt: r.verified_at }));
  }

  // Whether another merchant holds the address on that chain (never which one).
  async heldByAnother(merchantId: string, chainId: number, address: string): Promise<boolean> {
    const rows: unknown[] = await this.db.manager.query(`SELECT 1 FROM receiving_address WHERE chain_id = $1 AND address = $2 AND merchant_id <> $3`, [
      chainId,
      address.toLowerCase(),
      merchantId,
    ]);
    return rows.length > 0;
  }

  async release(merchantId: string, chainId: number): Promise<void> {
    await this.db.manager.query(`DELETE FROM receiving_address WHERE merchant_id = $1 AND chain_id = $2`, [merchantId, chainId]);
  }

  // false when another merchant holds it. A concurrent claim of the same address waits for the
  // other transaction and then loses here, rather than failing the transaction.
  async claim(merchantId: string, c: AddressClaim): Promise<boolean> {
    const rows: unknown[] = await this.db.manager.query(
      `INSERT INTO receiving_address (chain_id, address, merchant_id, proof, proof_message, proof_signature, verified_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (chain_id, address) DO NOTHING
       RETURNING chain_id`,
      [c.chainId, c.address.toLowerCase(), merchantId, c.proof, c.proofMessage, c.proofSignature, c.verifiedAt],
    );
    return rows.length > 0;
  }

  // A fresh proof for an address the merchant already holds (one set before proofs were asked).
  async attachProof(merchantId: string, c: AddressClaim): Promise<void> {
    await this.db.manager.query(
      `UPDATE receiving_address SET proof = $4, proof_message = $5, proof_signature = $6, verified_at = $7
       WHERE merchant_id = $1 AND chain_id = $2 AND address = $3`,
      [merchantId, c.chainId, c.address.toLowerCase(), c.proof, c.proofMessage, c.proofSignature, c.verifiedAt],
    );
  }

  async insertChallenge(c: AddressChallenge, now: Date): Promise<void> {
    // Expired challenges of this merchant go whenever a new one is issued.
    await this.db.manager.query(`DELETE FROM receiving_address_challenge WHERE merchant_id = $1 AND expires_at <= $2`, [c.merchantId, now]);
    await this.db.manager.query(
      `INSERT INTO receiving_address_challenge (id, merchant_id, chain_id, address, message, expires_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [c.id, c.merchantId, c.chainId, c.address, c.message, c.expiresAt, now],
    );
  }

  // Single use: the row is deleted by the lookup itself, so a challenge answers once, whatever the
  // outcome. Another merchant's id finds nothing.
  async takeChallenge(merchantId: string, id: string): Promise<AddressChallenge | null> {
    const rows: ChallengeRow[] = await this.db.manager.query(
      `WITH taken AS (DELETE FROM receiving_address_challenge WHERE id = $1 AND merchant_id = $2 RETURNING *) SELECT * FROM taken`,
      [id, merchantId],
    );
    const r = rows[0];
    if (!r) return null;
    return { id: r.id, merchantId: r.merchant_id, chainId: r.chain_id, address: r.address, message: r.message, expiresAt: new Date(r.expires_at) };
  }
}
