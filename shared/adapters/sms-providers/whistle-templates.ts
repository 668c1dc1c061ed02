import type { Definition } from './templates';

/** Whistle (吹哨) messages: never about a drill. */
export const WHISTLE: Record<string, Definition> = {
  whistleCall: {
    zh: '{community}的{grid}吹哨，编号{code}，事由{reason}。请支援，回1来，2不能，3已到',
    en: "{community}, grid {grid} needs help, whistle {code}, for {reason}. Reply 1=coming 2=can't 3=arrived",
  },
  whistleRaised: {
    zh: '已吹哨，编号{code}，已通知{notified}人。',
    en: 'Whistle {code} blown: {notified} people told.',
  },
  whistleAckComing: {
    zh: '吹哨{code}：已收到，您能来，到场后回3。',
    en: "Whistle {code}: Got it, you're coming; reply 3 on arrival.",
  },
  whistleAckEta: {
    zh: '吹哨{code}：已收到，您约{eta}分钟后到，到场后回3。',
    en: 'Whistle {code}: Got it, there in about {eta} min; reply 3 on arrival.',
  },
  whistleAckDeclined: { zh: '吹哨{code}：已收到，您不能来。', en: "Whistle {code}: Got it, you can't come." },
  whistleAckArrived: {
    zh: '吹哨{code}：已记录您到场，谢谢！',
    en: 'Whistle {code}: Arrival recorded, thank you!',
  },
  whistleNotNeeded: {
    zh: '{grid}吹哨{code}人员已足，您无需到场，谢谢！',
    en: '{grid} whistle {code} has enough people; you are not needed. Thank you!',
  },
  whistleResolved: {
    zh: '{grid}吹哨{code}已解决，无需再到场，谢谢！',
    en: '{grid} whistle {code} is resolved; no need to come. Thank you!',
  },
  whistleCancelled: {
    zh: '{grid}吹哨{code}已取消，无需再到场，谢谢！',
    en: '{grid} whistle {code} is cancelled; no need to come. Thank you!',
  },
  whistleReleased: {
    zh: '您已被应急召集，吹哨{code}不再需要您，请按召集短信行动。',
    en: 'You have been called out; whistle {code} no longer needs you. Follow the call-out SMS.',
  },
  whistleRefusedNotLeader: {
    zh: '只有网格长可以短信吹哨，请联系您的网格长或社区。',
    en: 'Only a grid leader can blow the whistle by SMS; ask your grid leader or community.',
  },
  whistleRefusedPeople: {
    zh: '人数须在1到500之间，例如：吹哨 5 救援',
    en: 'The number of people must be 1 to 500, e.g. 吹哨 5 rescue',
  },
};
