/** What a CDK user gives the guardrail, and the secrets it creates for them. */
import type { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { StormguardConfig } from '../lambdas/core/config-schema.ts';

export interface StormguardGuardrailProps {
  /**
   * The configuration, as a `stormguard.config.yaml` file holds it (docs/configuration.md): the one
   * source the construct and its Lambdas read. It must name the `clusters` to watch. Checked at
   * synth time (an unknown key or a wrong type throws, naming the field); `readConfigFile` reads
   * and checks a YAML file, with its line numbers in errors. Everything it leaves out takes the
   * documented default; `alerts.pagerDuty` and `alerts.slack` create their secrets here, and
   * `launchDarkly` the flag controller, the webhook and the backfill.
   */
  readonly config: StormguardConfig;
  /**
   * How often the detector runs: at least the metric period, at most 8 hours. The alarms on the
   * detector count their periods in runs of it (HeartbeatMissing: 3 runs without one).
   * @default one minute
   */
  readonly schedule?: Duration;
  /**
   * E-mail addresses subscribed to the alert topic.
   * @default none: subscribe your paging and chat integrations to `alertTopic`
   */
  readonly alertEmails?: readonly string[];
  /**
   * An existing topic for alerts and alarms, instead of a new one. It must accept publishing from
   * CloudWatch alarms (a customer managed key if encrypted).
   * @default a new topic, encrypted with a new customer managed key
   */
  readonly alertTopic?: sns.ITopic;
  /**
   * How long the detector's logs are kept.
   * @default one month
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * What happens to the state table when the stack is deleted.
   * @default RETAIN: decisions are an audit trail
   */
  readonly tableRemovalPolicy?: RemovalPolicy;
  /**
   * How long incident reports are kept.
   * @default 30 days
   */
  readonly reportRetention?: Duration;
  /**
   * The dashboard's name.
   * @default derived from the construct's path, so two guardrails in one stack do not collide
   */
  readonly dashboardName?: string;
  /**
   * Read the signals from Prometheus or Amazon Managed Service for Prometheus instead of
   * CloudWatch: a secret is created for its URL and credentials (put its JSON in, see
   * docs/configuration.md), and the detector runs in `vpc`, where given, to reach a private server
   * (the subnets need a route to Secrets Manager, DynamoDB, SNS, S3 and the logs: NAT or endpoints).
   * @default CloudWatch GetMetricData
   */
  readonly prometheus?: {
    /** @default not in a VPC: the server must be reachable from the internet */
    readonly vpc?: ec2.IVpc;
    /** @default the VPC's private subnets */
    readonly vpcSubnets?: ec2.SubnetSelection;
    /** @default a new security group that allows all outbound traffic */
    readonly securityGroups?: ec2.ISecurityGroup[];
    /**
     * An AMP workspace the detector may query with its role (SigV4, aps:QueryMetrics).
     * @default none
     */
    readonly ampWorkspaceArn?: string;
  };
}

/** The secrets the guardrail creates, each where its feature is configured (put their values in). */
export interface StormguardSecrets {
  /** The LaunchDarkly API access token (`launchDarkly` configured). */
  readonly launchDarklyToken?: secretsmanager.ISecret;
  /** The LaunchDarkly webhook's signing secret (`launchDarkly` configured). */
  readonly launchDarklyWebhookSecret?: secretsmanager.ISecret;
  /** The PagerDuty Events API v2 routing key (`alerts.pagerDuty`). */
  readonly pagerDutyRoutingKey?: secretsmanager.ISecret;
  /** The Slack incoming webhook URL (`alerts.slack`). */
  readonly slackWebhookUrl?: secretsmanager.ISecret;
  /** The Prometheus URL and credentials, JSON (`prometheus`). */
  readonly prometheus?: secretsmanager.ISecret;
}
