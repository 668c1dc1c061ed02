import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { Api } from './api';
import { completeSignIn, type Session, signOut, storedSession } from './auth';
import { BoardPage } from './board';
import { loadConfig, type RuntimeConfig } from './config';
import { HistoryPage } from './history';
import { I18n, type Lang, rememberLang, storedLang, translator } from './i18n';
import { Overview } from './overview';
import { PhonesPanel } from './phones';
import { RankingsPage, SchedulesPage } from './planning';
import { ReportPage } from './report';
import { RosterPage } from './roster';
import { parseRoute, type Route } from './route';
import { type AppServices, type Person, Services } from './services';
import { SignIn } from './sign-in';
import { StreetPage } from './street';
import { ErrorNote, messageOf } from './ui';
import { StreetWhistlesPage, WhistlePage, WhistlesPage } from './whistle';

function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}

export function App() {
  const [lang, setLang] = useState<Lang>(storedLang);
  const i18n = useMemo(() => translator(lang), [lang]);
  const { t } = i18n;
  const [config, setConfig] = useState<RuntimeConfig>();
  const [fatal, setFatal] = useState<string>();
  const [session, setSession] = useState<Session | undefined>(storedSession);
  const [notice, setNotice] = useState('');
  const [phone, setPhone] = useState<{ open: boolean; person?: Person }>({ open: false });
  const route = useRoute();
  const sessionRef = useRef(session);
  sessionRef.current = session;

  useEffect(() => {
    document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
  }, [lang]);

  const boot = useCallback(async () => {
    setFatal(undefined);
    try {
      const loaded = await loadConfig();
      if (loaded.mode === 'aws') {
        const returned = await completeSignIn(loaded);
        if (returned) setSession(returned);
      }
      setConfig(loaded);
    } catch (error) {
      setFatal(messageOf(error));
    }
  }, []);
  useEffect(() => {
    void boot();
  }, [boot]);

  const noticeTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const notify = useCallback((message: string) => {
    setNotice(message);
    clearTimeout(noticeTimer.current);
    noticeTimer.current = setTimeout(() => setNotice(''), 6000);
  }, []);

  const api = useMemo(
    () =>
      config &&
      new Api(
        config.apiUrl,
        () => sessionRef.current?.token,
        () => {
          sessionStorage.removeItem('pingji.session');
          setSession(undefined);
          notify(translator(storedLang()).t('sessionExpired'));
        },
      ),
    [config, notify],
  );

  const services = useMemo<AppServices | undefined>(
    () =>
      api && config && session
        ? {
            api,
            config,
            session,
            notify,
            openPhone: (person) => setPhone({ open: true, person }),
          }
        : undefined,
    [api, config, session, notify],
  );

  const toggleLang = () => {
    const next: Lang = lang === 'zh' ? 'en' : 'zh';
    rememberLang(next);
    setLang(next);
  };

  const phonesAvailable = config?.mode === 'local' && services !== undefined;
  const phonesOpen = phonesAvailable && phone.open;

  return (
    <I18n.Provider value={i18n}>
      <div class={`shell${phonesOpen ? ' with-phones' : ''}`}>
        <button type="button" class="skip-link" onClick={() => document.getElementById('main')?.focus()}>
          {t('skipToMain')}
        </button>
        <header class="topbar">
          <a class="brand" href="#/">
            <span class="brand-mark" aria-hidden="true">
              急
            </span>
            <span>{t('appTitle')}</span>
          </a>
          <nav class="topnav" aria-label={t('appShort')}>
            {services && (
              <a href="#/" aria-current={route.page === 'overview' ? 'page' : undefined}>
                {t('navOverview')}
              </a>
            )}
            {services && (
              <a href="#/rankings" aria-current={route.page === 'rankings' ? 'page' : undefined}>
                {t('navRankings')}
              </a>
            )}
            {services && (
              <a
                href="#/history"
                aria-current={route.page === 'history' || route.page === 'streetHistory' ? 'page' : undefined}
              >
                {t('navHistory')}
              </a>
            )}
            {services && (
              <a href="#/street" aria-current={route.page === 'street' ? 'page' : undefined}>
                {t('navStreet')}
              </a>
            )}
            {phonesAvailable && (
              <button
                type="button"
                class="nav-button"
                aria-pressed={phone.open}
                aria-controls="phones-panel"
                onClick={() => setPhone((p) => ({ ...p, open: !p.open }))}
              >
                {t('navPhones')}
              </button>
            )}
          </nav>
          <div class="topbar-end">
            {session && (
              <span class="who">
                {t('signedInAs', {
                  name: session.name,
                  role: session.groups.map((g) => i18n.labels.group[g]).join('/'),
                  communities:
                    session.communities === '*' ? t('allCommunities') : session.communities.join(', '),
                })}
              </span>
            )}
            <button
              type="button"
              class="nav-button"
              onClick={toggleLang}
              lang={lang === 'zh' ? 'en' : 'zh-CN'}
              aria-label={`${t('switchLanguage')}: ${t('otherLanguage')}`}
            >
              {t('otherLanguage')}
            </button>
            {session && config && (
              <button
                type="button"
                class="nav-button"
                onClick={() => {
                  setSession(undefined);
                  setPhone({ open: false });
                  signOut(config);
                }}
              >
                {t('signOut')}
              </button>
            )}
          </div>
        </header>
        <main id="main" tabIndex={-1}>
          {fatal && <ErrorNote message={fatal} onRetry={() => void boot()} />}
          {!fatal && !config && <p class="loading">{t('loading')}</p>}
          {config && !session && <SignIn config={config} onSignedIn={setSession} />}
          {services && (
            <Services.Provider value={services}>
              {route.page === 'overview' && <Overview />}
              {route.page === 'board' && (
                <BoardPage key={route.activationId} activationId={route.activationId} />
              )}
              {route.page === 'roster' && (
                <RosterPage key={route.communityId} communityId={route.communityId} />
              )}
              {route.page === 'schedules' && (
                <SchedulesPage key={route.communityId} communityId={route.communityId} />
              )}
              {route.page === 'rankings' && (
                <RankingsPage key={route.streetId ?? ''} streetId={route.streetId} />
              )}
              {route.page === 'history' && (
                <HistoryPage key={route.communityId} communityId={route.communityId} />
              )}
              {route.page === 'streetHistory' && (
                <HistoryPage key={`street:${route.streetId ?? ''}`} streetId={route.streetId} />
              )}
              {route.page === 'report' && (
                <ReportPage key={route.activationId} activationId={route.activationId} />
              )}
              {route.page === 'street' && <StreetPage key={route.streetId ?? ''} streetId={route.streetId} />}
              {route.page === 'whistles' && (
                <WhistlesPage
                  key={`${route.communityId}/${route.prefill?.gridId ?? ''}`}
                  communityId={route.communityId}
                  prefill={route.prefill}
                />
              )}
              {route.page === 'whistle' && <WhistlePage key={route.whistleId} whistleId={route.whistleId} />}
              {route.page === 'streetWhistles' && (
                <StreetWhistlesPage key={route.streetId} streetId={route.streetId} />
              )}
            </Services.Provider>
          )}
        </main>
        {phonesOpen && services && (
          <Services.Provider value={services}>
            <PhonesPanel
              person={phone.person}
              onPick={(person) => setPhone({ open: true, person })}
              onClose={() => setPhone({ open: false })}
            />
          </Services.Provider>
        )}
        <output class={`toast${notice ? ' shown' : ''}`} aria-live="polite">
          {notice}
        </output>
      </div>
    </I18n.Provider>
  );
}
