// The server's Prometheus metrics (prom-client, in a registry of its own so that several servers can
// live in one process).
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Request latency buckets, seconds. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export class ServeMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({ name: 'mimo_requests_total', help: 'Prediction requests answered, by HTTP status', labelNames: ['status'] as const, registers: [this.registry] });
  readonly latency = new Histogram({ name: 'mimo_request_duration_seconds', help: 'Time from a prediction request to its response, by HTTP status', labelNames: ['status'] as const, buckets: LATENCY_BUCKETS, registers: [this.registry] });
  readonly queueDepth = new Gauge({ name: 'mimo_queue_depth', help: 'Inputs waiting for a batch', registers: [this.registry] });
  readonly inFlight = new Gauge({ name: 'mimo_requests_in_flight', help: 'Prediction requests accepted and not yet answered', registers: [this.registry] });
  readonly operatingPoint = new Gauge({ name: 'mimo_operating_point', help: 'Operating point n of the latest batch (inputs per superposition)', registers: [this.registry] });
  readonly autoMode = new Gauge({ name: 'mimo_operating_point_auto', help: '1 when the operating point is chosen automatically, 0 when fixed', registers: [this.registry] });
  readonly target = new Gauge({ name: 'mimo_target_p99_seconds', help: "Auto policy's p99 latency target", registers: [this.registry] });
  readonly inputs = new Counter({ name: 'mimo_inputs_total', help: 'Inputs served, by operating point n', labelNames: ['n'] as const, registers: [this.registry] });
  readonly batches = new Counter({ name: 'mimo_batches_total', help: 'Batches run, by operating point n and outcome', labelNames: ['n', 'outcome'] as const, registers: [this.registry] });
  readonly batchSeconds = new Histogram({ name: 'mimo_batch_duration_seconds', help: 'Time of one batch, sending to answer, by operating point n', labelNames: ['n'] as const, buckets: LATENCY_BUCKETS, registers: [this.registry] });
  readonly throughput = new Gauge({ name: 'mimo_model_inputs_per_second', help: 'Estimated inputs per second with full batches, by operating point n (cost model: calibration, then real batches)', labelNames: ['n'] as const, registers: [this.registry] });
  readonly restarts = new Counter({ name: 'mimo_worker_restarts_total', help: 'Inference worker restarts', registers: [this.registry] });

  /** The text exposition format. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
