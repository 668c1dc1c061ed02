import { providerCallbackSuite } from './support/provider-callbacks';

providerCallbackSuite('aliyun', 5102);
