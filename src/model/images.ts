/** An image digest as kustomize's `images[].digest` and the policies accept it. */
export const IMAGE_DIGEST = /^sha256:[a-f0-9]{64}$/;

/** An image tag as the OCI distribution spec allows it. */
export const IMAGE_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/**
 * Whether an image reference is pinned: a digest, or a tag other than `latest` (an image with
 * neither means latest).
 */
export function isPinnedImage(image: string): boolean {
  const at = image.lastIndexOf("@");
  if (at !== -1) return IMAGE_DIGEST.test(image.slice(at + 1));
  const lastSegment = image.slice(image.lastIndexOf("/") + 1);
  const colon = lastSegment.lastIndexOf(":");
  return colon !== -1 && lastSegment.slice(colon + 1) !== "latest";
}
