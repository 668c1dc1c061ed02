import { useState } from 'preact/hooks';
import { beginSignIn, type Session, signInConfigured, signInLocal } from './auth';
import type { DemoUser, RuntimeConfig } from './config';
import { useI18n } from './i18n';
import { ErrorNote, messageOf } from './ui';

/** Locally: one button per demo user. In AWS: the identity provider's sign-in (Cognito, or the office's own). */
export function SignIn(props: { config: RuntimeConfig; onSignedIn: (session: Session) => void }) {
  const { t, labels } = useI18n();
  const [busy, setBusy] = useState<string>();
  const [error, setError] = useState<string>();
  const { config } = props;

  const local = async (user: DemoUser) => {
    if (config.mode !== 'local') return;
    setBusy(user.sub);
    setError(undefined);
    try {
      props.onSignedIn(await signInLocal(config, user));
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(undefined);
    }
  };

  const aws = async () => {
    if (config.mode !== 'aws') return;
    setBusy('cognito');
    setError(undefined);
    try {
      await beginSignIn(config);
    } catch (e) {
      setError(messageOf(e));
      setBusy(undefined);
    }
  };

  return (
    <section class="sign-in" aria-labelledby="sign-in-title">
      <h1 id="sign-in-title">{t('signInTitle')}</h1>
      {error && <ErrorNote message={error} />}
      {config.mode === 'local' ? (
        <>
          <p>{t('signInLocalIntro')}</p>
          <ul class="demo-users">
            {config.demoUsers.map((user) => {
              const role = user.groups.map((g) => labels.group[g]).join('/');
              return (
                <li key={user.sub}>
                  <button
                    type="button"
                    class="button demo-user"
                    data-sub={user.sub}
                    disabled={busy !== undefined}
                    onClick={() => void local(user)}
                  >
                    <span class="demo-role">{t('signInAs', { role })}</span>
                    <span class="demo-detail">
                      {user.sub} ·{' '}
                      {user.communities.includes('*') ? t('allCommunities') : user.communities.join(', ')}
                    </span>
                  </button>
                </li>
              );
            })}
          </ul>
        </>
      ) : (
        <>
          <p>{t('signInAwsIntro')}</p>
          {signInConfigured(config) ? (
            <button
              type="button"
              class="button primary"
              disabled={busy !== undefined}
              onClick={() => void aws()}
            >
              {busy ? t('signingIn') : t('signInAws')}
            </button>
          ) : (
            <ErrorNote message={t('signInNotConfigured')} />
          )}
        </>
      )}
    </section>
  );
}
