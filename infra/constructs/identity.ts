import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import {
  AccountRecovery,
  type CfnUserPoolClient,
  CfnUserPoolGroup,
  ClientAttributes,
  FeaturePlan,
  Mfa,
  OAuthScope,
  StandardThreatProtectionMode,
  StringAttribute,
  UserPool,
  type UserPoolClient,
  UserPoolClientIdentityProvider,
} from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';
import { GROUPS } from '../../shared/domain/access';

export type IdentityProps = {
  /** Production keeps the user pool (and turns deletion protection on). */
  retain: boolean;
  /**
   * The console's URL. With it the console client may use the OAuth authorization-code flow and
   * return to this URL after sign-in and sign-out; without it the client has no OAuth flow at
   * all and signs in with SRP only.
   */
  consoleUrl?: string | undefined;
  /**
   * The prefix of the Cognito sign-in domain (`<prefix>.auth.<region>.amazoncognito.com`), unique
   * in the region: the console's OAuth sign-in and sign-out go through it.
   */
  loginDomainPrefix: string;
};

/**
 * Who may sign in: a Cognito user pool with the four groups and the `custom:communities`
 * attribute the API reads, and the client the console signs in with.
 *
 * MFA is required, with an authenticator app (TOTP) only: one of these accounts can put a whole
 * community into emergency mode and text thousands of people, so a leaked password alone must not
 * be enough. SMS is not offered as a second factor, as mainland numbers would need the same
 * template registration as the alerts, and SIM-swap makes it the weaker factor anyway.
 */
export class Identity extends Construct {
  readonly userPool: UserPool;
  readonly client: UserPoolClient;
  /** The base URL of the Cognito sign-in domain: the console's `cognitoDomain`. */
  readonly loginDomainUrl: string;

  constructor(scope: Construct, id: string, props: IdentityProps) {
    super(scope, id);
    this.userPool = new UserPool(this, 'Users', {
      selfSignUpEnabled: false,
      signInAliases: { username: true, email: true },
      customAttributes: { communities: new StringAttribute({ minLen: 1, maxLen: 2048, mutable: true }) },
      passwordPolicy: {
        minLength: 12,
        requireDigits: true,
        requireLowercase: true,
        requireUppercase: true,
        requireSymbols: true,
      },
      mfa: Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      featurePlan: FeaturePlan.PLUS,
      standardThreatProtectionMode: StandardThreatProtectionMode.FULL_FUNCTION,
      removalPolicy: props.retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      deletionProtection: props.retain,
    });
    for (const group of GROUPS) {
      new CfnUserPoolGroup(this, `Group-${group}`, {
        userPoolId: this.userPool.userPoolId,
        groupName: group,
      });
    }
    // Cognito's hosted sign-in (with the TOTP enrolment MFA requires) lives on this domain.
    this.loginDomainUrl = this.userPool
      .addDomain('Login', { cognitoDomain: { domainPrefix: props.loginDomainPrefix } })
      .baseUrl();
    const consoleUrl = props.consoleUrl;
    this.client = this.userPool.addClient('Console', {
      generateSecret: false,
      authFlows: { userSrp: true },
      idTokenValidity: Duration.hours(8),
      accessTokenValidity: Duration.hours(8),
      preventUserExistenceErrors: true,
      readAttributes: undefined,
      // Without a list a client may write every attribute, and a user could then rewrite their
      // own custom:communities, which the API trusts; only administrators may set it.
      writeAttributes: new ClientAttributes().withStandardAttributes({ email: true }),
      supportedIdentityProviders: [UserPoolClientIdentityProvider.COGNITO],
      // CDK's default enables the code and implicit flows with an example.com callback; the
      // console either names its own URL or gets no OAuth flow at all.
      ...(consoleUrl
        ? {
            oAuth: {
              flows: { authorizationCodeGrant: true },
              scopes: [OAuthScope.OPENID, OAuthScope.EMAIL, OAuthScope.PROFILE],
              callbackUrls: [consoleUrl],
              logoutUrls: [consoleUrl],
            },
          }
        : { disableOAuth: true }),
    });
  }

  /**
   * Lets the console sign in at its own address (the CloudFront URL, known only as a token):
   * the authorization code flow, back to that URL and nowhere else. Used when no `consoleUrl`
   * was given, so one deploy gives a console that can sign in.
   */
  allowConsoleSignIn(url: string): void {
    const cfn = this.client.node.defaultChild as CfnUserPoolClient;
    cfn.allowedOAuthFlowsUserPoolClient = true;
    cfn.allowedOAuthFlows = ['code'];
    cfn.allowedOAuthScopes = [
      OAuthScope.OPENID.scopeName,
      OAuthScope.EMAIL.scopeName,
      OAuthScope.PROFILE.scopeName,
    ];
    cfn.callbackUrLs = [url];
    cfn.logoutUrLs = [url];
  }
}
