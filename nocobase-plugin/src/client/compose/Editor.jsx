// The message body: NocoBase's own rich-text component (`RichText`, Quill, what every
// classic rich-text field uses; `RichTextField` of the flow engine is not among the
// modules NocoBase hands to plugins), so the plugin ships no second editor and looks
// like the rest of NocoBase.
// Its toolbar gains quotes; an image pasted or dropped in is put in as a data: URL, which
// the server sends as an inline cid: part (Chrome pastes no image into Quill by itself).
// `onReady(api)` hands the form `insert(text)`, for the variable picker.
import { RichText } from '@nocobase/client';
import React, { useCallback, useEffect, useRef } from 'react';

const MODULES = {
  toolbar: [
    [{ header: [1, 2, 3, false] }],
    ['bold', 'italic', 'underline', 'strike'],
    ['blockquote', { list: 'ordered' }, { list: 'bullet' }, { indent: '-1' }, { indent: '+1' }, 'link'],
    ['clean', 'image'],
  ],
  clipboard: { matchVisual: false },
};
const IMAGE = /^image\/(png|jpeg|gif|webp)$/;

const readAsDataUrl = (file) => new Promise((resolve, reject) => {
  const reader = new FileReader();
  reader.onload = () => resolve(reader.result);
  reader.onerror = () => reject(reader.error);
  reader.readAsDataURL(file);
});

export function Editor({ value, onChange, onReady }) {
  const box = useRef(null);
  const quill = useCallback(() => {
    const container = box.current && box.current.querySelector('.ql-container');
    return container && container.__quill;
  }, []);

  const insertImages = useCallback(async (files) => {
    const editor = quill();
    if (!editor) return;
    for (const file of files) {
      const url = await readAsDataUrl(file);
      const at = (editor.getSelection(true) || { index: editor.getLength() }).index;
      editor.insertEmbed(at, 'image', url, 'user');
      editor.setSelection(at + 1, 0, 'user');
    }
  }, [quill]);

  useEffect(() => {
    const element = box.current;
    if (!element) return undefined;
    // A paste (clipboardData) or a drop (dataTransfer) that carries image files.
    const takeImages = (event) => {
      const carried = event.clipboardData || event.dataTransfer;
      const files = Array.from((carried && carried.files) || []).filter((f) => IMAGE.test(f.type));
      if (!files.length) return;
      event.preventDefault();
      event.stopPropagation();
      insertImages(files);
    };
    // Capture: before Quill's own paste handling, which would drop the file.
    element.addEventListener('paste', takeImages, true);
    element.addEventListener('drop', takeImages, true);
    return () => {
      element.removeEventListener('paste', takeImages, true);
      element.removeEventListener('drop', takeImages, true);
    };
  }, [insertImages]);

  useEffect(() => {
    if (!onReady) return;
    onReady({
      insert(text) {
        const editor = quill();
        if (!editor) return;
        const at = (editor.getSelection(true) || { index: editor.getLength() - 1 }).index;
        editor.insertText(at, text, 'user');
        editor.setSelection(at + text.length, 0, 'user');
      },
    });
  }, [onReady, quill]);

  return (
    <div ref={box} data-testid="compose-editor" className="email-manager-editor">
      <RichText value={value} onChange={onChange} modules={MODULES} />
    </div>
  );
}
