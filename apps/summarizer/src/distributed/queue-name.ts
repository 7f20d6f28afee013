/** The BullMQ queue every summarizer producer and worker of one Redis meets on. */
export const SUMMARIZER_QUEUE = "sluice-summarizer";
