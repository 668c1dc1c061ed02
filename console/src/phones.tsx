import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { useI18n } from './i18n';
import { type Person, useServices } from './services';
import type { Member, SmsMessage } from './types';
import { CloseButton, ErrorNote, Icon, messageOf, usePoll } from './ui';

const PHONE_POLL_MS = 2000;
const MAX_RESULTS = 30;

/** `+8613812345678` as people write it: `138 1234 5678`. */
export function displayPhone(e164: string): string {
  const national = e164.replace(/^\+86/, '');
  return /^1\d{10}$/.test(national)
    ? `${national.slice(0, 3)} ${national.slice(3, 7)} ${national.slice(7)}`
    : e164;
}

/** True when a member matches what was typed: part of the name, or digits of the phone. */
export function matchesPerson(member: Pick<Member, 'name' | 'phone'>, query: string): boolean {
  const q = query.trim();
  if (!q) return false;
  if (member.name.includes(q)) return true;
  const digits = q.replace(/\D/g, '');
  return digits.length >= 2 && member.phone.replace(/\D/g, '').includes(digits);
}

/**
 * The simulated phones of the local stack: pick a person, read what their phone received, and
 * answer as they would, with the one-digit replies the alert asks for.
 */
export function PhonesPanel(props: {
  person?: Person | undefined;
  onPick: (person: Person | undefined) => void;
  onClose: () => void;
}) {
  const { t } = useI18n();
  const headingRef = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    headingRef.current?.focus();
  }, []);

  return (
    <aside
      id="phones-panel"
      class="phones"
      aria-labelledby="phones-title"
      onKeyDown={(event) => {
        if (event.key === 'Escape') props.onClose();
      }}
    >
      <header class="phones-head">
        <h2 id="phones-title" tabIndex={-1} ref={headingRef}>
          <Icon name="phone" /> {t('phonesTitle')}
        </h2>
        <CloseButton onClick={props.onClose} />
      </header>
      {props.person ? (
        <PhoneScreen key={props.person.phone} person={props.person} onBack={() => props.onPick(undefined)} />
      ) : (
        <PersonSearch onPick={props.onPick} />
      )}
    </aside>
  );
}

function PersonSearch(props: { onPick: (person: Person) => void }) {
  const { api } = useServices();
  const { t } = useI18n();
  const [members, setMembers] = useState<Member[]>();
  const [error, setError] = useState<string>();
  const [query, setQuery] = useState('');

  useEffect(() => {
    let cancelled = false;
    (async () => {
      try {
        const communities = await api.communities();
        const all: Member[] = [];
        for (const community of communities) {
          let cursor: string | undefined;
          do {
            const page = await api.members(community.communityId, {
              limit: 1000,
              ...(cursor ? { cursor } : {}),
            });
            all.push(...page.items);
            cursor = page.nextCursor;
          } while (cursor && !cancelled);
        }
        if (!cancelled) setMembers(all);
      } catch (e) {
        if (!cancelled) setError(messageOf(e));
      }
    })();
    return () => {
      cancelled = true;
    };
  }, [api]);

  const results = useMemo(
    () => (members ?? []).filter((m) => matchesPerson(m, query)).slice(0, MAX_RESULTS),
    [members, query],
  );

  return (
    <div class="person-search">
      <p class="hint">{t('phonesIntro')}</p>
      <label for="phone-search">{t('searchLabel')}</label>
      <input
        id="phone-search"
        type="search"
        placeholder={t('searchPlaceholder')}
        value={query}
        onInput={(e) => setQuery(e.currentTarget.value)}
      />
      {error && <ErrorNote message={error} />}
      {!members && !error && <p class="loading">{t('loading')}</p>}
      {members && query.trim() !== '' && results.length === 0 && <p>{t('noMatches')}</p>}
      <ul class="search-results">
        {results.map((m) => (
          <li key={m.memberId}>
            <button
              type="button"
              class="person-result"
              onClick={() => props.onPick({ name: m.name, phone: m.phone })}
            >
              <span class="chip-name">{m.name}</span>
              <span class="chip-team">{displayPhone(m.phone)}</span>
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}

function PhoneScreen(props: { person: Person; onBack: () => void }) {
  const { api } = useServices();
  const i18n = useI18n();
  const { t } = i18n;
  const [messages, setMessages] = useState<SmsMessage[]>();
  const [error, setError] = useState<string>();
  const [draft, setDraft] = useState('');
  const [sending, setSending] = useState(false);
  const [nonce, setNonce] = useState(0);
  const listRef = useRef<HTMLOListElement>(null);
  const { person } = props;

  usePoll(
    async () => {
      try {
        setMessages(await api.conversation(person.phone));
        setError(undefined);
      } catch (e) {
        setError(messageOf(e));
      }
    },
    PHONE_POLL_MS,
    [api, person.phone, nonce],
  );

  const count = messages?.length ?? 0;
  useEffect(() => {
    const list = listRef.current;
    if (list && count > 0) list.scrollTop = list.scrollHeight;
  }, [count]);

  const send = async (body: string) => {
    if (!body.trim() || sending) return;
    setSending(true);
    setError(undefined);
    try {
      await api.sendSms(person.phone, body);
      setDraft('');
      setNonce((n) => n + 1);
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setSending(false);
    }
  };

  return (
    <div class="phone-screen" data-phone={person.phone}>
      <div class="phone-title">
        <div>
          <h3>{t('phoneOf', { name: person.name })}</h3>
          <p class="hint">{displayPhone(person.phone)}</p>
        </div>
        <button type="button" class="button small" onClick={props.onBack}>
          {t('choosePerson')}
        </button>
      </div>
      <ol class="sms-list" ref={listRef} aria-live="polite" aria-label={t('phoneOf', { name: person.name })}>
        {messages?.length === 0 && <li class="sms-empty">{t('noMessages')}</li>}
        {messages?.map((m) => (
          <li
            key={m.messageId}
            class={`sms sms-${m.direction === 'out' ? 'received' : 'sent'}`}
            data-direction={m.direction}
          >
            <span class="sms-who">
              {m.direction === 'out' ? t('fromService') : t('fromPhone')} · {i18n.time(m.sentAt)}
            </span>
            <span class="sms-body">{m.body}</span>
          </li>
        ))}
      </ol>
      {error && <ErrorNote message={error} />}
      <fieldset class="quick-replies">
        <legend class="visually-hidden">{t('replyLabel')}</legend>
        {(
          [
            ['1', t('quick1')],
            ['2', t('quick2')],
            ['3', t('quick3')],
            ['TD', t('quickTd')],
          ] as const
        ).map(([body, label]) => (
          <button
            key={body}
            type="button"
            class="button quick"
            data-reply={body}
            disabled={sending}
            onClick={() => void send(body)}
          >
            {label}
          </button>
        ))}
      </fieldset>
      <form
        class="reply-form"
        onSubmit={(e) => {
          e.preventDefault();
          void send(draft);
        }}
      >
        <label for="sms-reply" class="visually-hidden">
          {t('replyLabel')}
        </label>
        <input
          id="sms-reply"
          type="text"
          maxLength={1600}
          placeholder={t('replyLabel')}
          value={draft}
          onInput={(e) => setDraft(e.currentTarget.value)}
        />
        <button type="submit" class="button primary" disabled={sending || !draft.trim()}>
          {t('send')}
        </button>
      </form>
    </div>
  );
}
