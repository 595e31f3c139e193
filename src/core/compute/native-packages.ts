/**
 * The TensorFlow native packages the engine can use (compute/backend.ts loads them at run time; they
 * are never bundled), in the order `auto` prefers them, and the version that fits the bundled
 * tfjs-core: a native package registers its kernels into that engine.
 */
export const NATIVE_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;
export type NativePackage = (typeof NATIVE_PACKAGES)[number];

/** @tensorflow/tfjs-core's version in package-lock.json (a unit test keeps them equal). */
export const NATIVE_PACKAGE_VERSION = '4.22.0';
