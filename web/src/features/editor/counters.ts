// Length rules counted as the platforms count them (the API checks the same on save):
// X: 280 weighted characters per post (twitter-text: URLs weigh 23, most emoji and CJK two);
// a thread is posts separated by a line holding only `---`. LinkedIn: 3,000 UTF-16 code units.
import twitter from "twitter-text";

export const X_LIMIT = 280;
export const LINKEDIN_LIMIT = 3000;
export const THREAD_SEPARATOR = /^[ \t]*---[ \t]*$/m;

export type Platform = "twitter" | "linkedin";

export interface PartCount {
  length: number;
  limit: number;
  over: boolean;
}

export function xLength(text: string): number {
  return twitter.parseTweet(text).weightedLength;
}

export function splitThread(content: string): string[] {
  return content.split(new RegExp(THREAD_SEPARATOR.source, "gm")).map((part) => part.trim());
}

export function joinThread(parts: string[]): string {
  return parts.map((p) => p.trim()).join("\n---\n");
}

export function countParts(platform: Platform, content: string, thread: boolean): PartCount[] {
  if (platform === "linkedin") {
    return [{ length: content.length, limit: LINKEDIN_LIMIT, over: content.length > LINKEDIN_LIMIT }];
  }
  const parts = thread ? splitThread(content) : [content];
  return parts.map((part) => {
    const length = xLength(part);
    return { length, limit: X_LIMIT, over: length > X_LIMIT };
  });
}

export function counterText(count: PartCount): string {
  const left = count.limit - count.length;
  return left >= 0
    ? `${count.length.toLocaleString()} of ${count.limit.toLocaleString()} characters, ${left.toLocaleString()} left`
    : `${count.length.toLocaleString()} of ${count.limit.toLocaleString()} characters, ${(-left).toLocaleString()} too many`;
}
