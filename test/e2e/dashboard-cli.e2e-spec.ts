import { DataSource } from 'typeorm';
import { createTestApp, type TestApp } from '../app';
import { postSignIn, signInForm } from '../support/dashboard';
import { suiteEnv } from '../support/portal';
import { billfold, cliEnv } from '../support/cli';

// `billfold merchants create --owner-email` creates the merchant's first dashboard user, whose
// one-time password is printed once and must be replaced at the first sign-in.



describe('billfold merchants create --owner-email', () => {
  let t: TestApp;
  let env: Record<string, string | undefined>;

  beforeAll(async () => {
    env = await cliEnv('dashboard-cli', { PUBLIC_BASE_URL: 'https://billing.test' });
    t = await createTestApp({ env: suiteEnv('dashboard-cli') });
  });

  afterAll(async () => {
    await t.close();
  });

  it('--json adds an owner with a one-time password that opens the dashboard once, for a new password', async () => {
    const run = await billfold(['merchants', 'create', '--name', 'Owned Shop', '--owner-email', 'Founder@Owned-Shop.example', '--json'], env);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout) as { merchant: { id: string }; apiKey: { secret: string }; owner: { id: string; email: string; role: string; oneTimePassword: string; signInUrl: string } };
    expect(Object.keys(out).sort()).toEqual(['apiKey', 'merchant', 'owner']);
    expect(out.owner).toMatchObject({ email: 'founder@owned-shop.example', role: 'owner', signInUrl: 'https://billing.test/dashboard/sign-in' });
    expect(out.owner.oneTimePassword).toMatch(/^[A-Za-z2-9]{20}$/);
    const [row] = (await t.app.get(DataSource).query(`SELECT merchant_id, must_change_password, password_hash FROM dashboard_user WHERE id = $1`, [out.owner.id])) as {
      merchant_id: string;
      must_change_password: boolean;
      password_hash: string;
    }[];
    expect(row.merchant_id).toBe(out.merchant.id);
    expect(row.must_change_password).toBe(true);
    expect(row.password_hash).toMatch(/^scrypt\$131072\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(row.password_hash).not.toContain(out.owner.oneTimePassword);

    const signedIn = await postSignIn(t, await signInForm(t), { email: out.owner.email, password: out.owner.oneTimePassword });
    expect(signedIn.status).toBe(303);
    expect(signedIn.headers.location).toBe('/dashboard/password');
  });

  it('prints the one-time password for a person to read', async () => {
    const run = await billfold(['merchants', 'create', '--name', 'Readable Shop', '--owner-email', 'owner@readable-shop.example'], env);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/Dashboard owner owner@readable-shop\.example \(usr_[A-Za-z0-9]{22}\): sign in at https:\/\/billing\.test\/dashboard\/sign-in with this one-time password:\n\n {2}[A-Za-z2-9]{20}\n/);
    expect(run.stdout).toContain('It is shown once');
  });

  it('creates nothing when the owner email is taken or invalid', async () => {
    const ds = t.app.get(DataSource);
    const count = async () => Number(((await ds.query(`SELECT count(*)::text AS n FROM merchant WHERE name LIKE 'Clash Shop%'`)) as { n: string }[])[0].n);
    const [taken, invalid] = await Promise.all([
      billfold(['merchants', 'create', '--name', 'Clash Shop 1', '--owner-email', 'founder@owned-shop.example', '--json'], env),
      billfold(['merchants', 'create', '--name', 'Clash Shop 2', '--owner-email', 'not-an-email', '--json'], env),
    ]);
    expect(taken.code).toBe(1);
    expect(taken.stdout).toBe('');
    expect(taken.stderr).toContain('already exists');
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toContain('not an email address');
    expect(await count()).toBe(0);
  });
});
