import { describe, expect, it } from "vitest";
import { MotionScale } from "./resolution";

describe("MotionScale", () => {
  it("stays at full resolution while frames keep the display's rate", () => {
    const m = new MotionScale();
    for (let i = 0; i < 100; i++) m.observe(16.7);
    expect(m.scale).toBe(1);
  });

  it("steps down while frames are slow, two steps when far too slow, and not past the last", () => {
    const slow = new MotionScale();
    slow.observe(40);
    expect(slow.step).toBe(0); // one frame is no trend
    slow.observe(40);
    expect(slow.step).toBe(1);
    const far = new MotionScale();
    far.observe(300);
    far.observe(300);
    expect(far.step).toBe(2);
    for (let i = 0; i < 20; i++) far.observe(300);
    expect(far.scale).toBe(0.25);
  });

  it("tries a finer scale only after a run of fast frames", () => {
    const m = new MotionScale();
    for (let i = 0; i < 4; i++) m.observe(60);
    expect(m.step).toBeGreaterThan(0);
    const steps = [m.step];
    for (let i = 0; i < 60; i++) {
      m.observe(16.7);
      steps.push(m.step);
    }
    // The smoothed interval lags (it may still step down at first); finer comes after 30 fast frames.
    const finer = steps.findIndex((step, i) => i > 0 && step < steps[i - 1]);
    expect(finer).toBeGreaterThanOrEqual(30);
    expect(steps[steps.length - 1]).toBeLessThan(Math.max(...steps));
  });

  it("starts a movement at the scale a still frame predicts, and steps up only where predicted to fit", () => {
    const m = new MotionScale();
    m.observeStill(56); // moving costs 3x the fill: 3 × 56 × 0.5² = 42 > 24; 3 × 56 × 0.35² = 20.6
    expect(m.scale).toBe(0.35);
    for (let i = 0; i < 100; i++) m.observe(16.7);
    expect(m.scale).toBe(0.35); // fast frames at 0.35 do not make 0.5 fit
    m.observeStill(5); // the machine got faster: 3 × 5 × 1² = 15, full resolution fits again
    m.observeStill(5);
    for (let i = 0; i < 200; i++) m.observe(16.7);
    expect(m.scale).toBe(1);
  });
});
