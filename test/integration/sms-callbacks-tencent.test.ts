import { providerCallbackSuite } from './support/provider-callbacks';

providerCallbackSuite('tencent', 5101);
