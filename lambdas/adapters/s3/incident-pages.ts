/**
 * Incident reports in S3: one page per episode, linked from its alerts by a presigned URL. The
 * URL is signed before the page is written (signing needs no request), and is valid once it is.
 * Signed with the Lambda's temporary credentials, a link lasts at most as long as they do.
 */
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { Alert } from '../../core/alert.ts';
import type { ReportStore } from '../../ports.ts';

/** How long a report link is valid. */
export const REPORT_LINK_SECONDS = 6 * 3600;

export class S3Reports implements ReportStore {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
  ) {}

  /** The object key of an episode's report. */
  static key(episodeId: string): string {
    return `reports/${episodeId.replace(/[^A-Za-z0-9._-]/g, '_')}.html`;
  }

  /** The report link for an alert about an episode (none for other alerts). */
  readonly links = async (alert: Alert): Promise<Array<{ href: string; text: string }>> => {
    if (!alert.episodeId) return [];
    const href = await getSignedUrl(this.client, new GetObjectCommand({ Bucket: this.bucket, Key: S3Reports.key(alert.episodeId) }), {
      expiresIn: REPORT_LINK_SECONDS,
    });
    return [{ href, text: 'Incident report' }];
  };

  async write(episodeId: string, html: string): Promise<void> {
    await this.client.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: S3Reports.key(episodeId), Body: html, ContentType: 'text/html; charset=utf-8' }),
    );
  }
}
