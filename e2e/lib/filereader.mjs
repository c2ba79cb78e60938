// Storage's multipart upload needs a `FileReader`: before the first part, `uploadData` hashes
// its options with CRC32 through the client context's `readFile`, which in the browser build
// is `new FileReader().readAsArrayBuffer(blob)` (node_modules/@aws-amplify/storage/dist/esm/
// client/utils/readFile.mjs, called from providers/s3/apis/internal/uploadData/multipart/
// uploadHandlers.mjs → foundation/utils/crc32.mjs). Browsers have `FileReader`; Node does
// not, so a 5 MB+ upload fails with "FileReader is not defined" before any request is sent.
// Single-part uploads, downloads, lists, copies and removes need nothing here.
//
// This fills only that platform gap, with Node's own `Blob.prototype.arrayBuffer()`: the
// subset of the FileReader API the client calls (readAsArrayBuffer, result, onload,
// onerror, onabort). The client itself is untouched.
class FileReaderForNode {
  result = null;
  error = null;
  readyState = 0;
  onload = null;
  onerror = null;
  onabort = null;

  readAsArrayBuffer(blob) {
    this.readyState = 1;
    blob.arrayBuffer().then(
      (buffer) => {
        this.result = buffer;
        this.readyState = 2;
        this.onload?.({ target: this });
      },
      (error) => {
        this.error = error;
        this.readyState = 2;
        this.onerror?.({ target: this });
      },
    );
  }

  abort() {
    this.readyState = 2;
    this.onabort?.({ target: this });
  }
}

if (typeof globalThis.FileReader === 'undefined') {
  globalThis.FileReader = FileReaderForNode;
}

export default globalThis.FileReader;
