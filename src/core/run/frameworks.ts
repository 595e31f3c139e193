/** The training frameworks whose run folders Focal Lens recognises (for wording and for the dump snippet). */
export type TrainingFramework = 'lightning' | 'keras' | 'huggingface' | 'pytorch' | 'mmengine' | 'mmdet2' | 'detectron2' | 'ultralytics';

export const FRAMEWORK_LABELS: Record<TrainingFramework, string> = {
  lightning: 'PyTorch Lightning',
  keras: 'Keras',
  huggingface: 'Hugging Face Trainer',
  pytorch: 'a PyTorch training loop',
  mmengine: 'MMEngine / MMDetection 3.x',
  mmdet2: 'MMDetection 2.x',
  detectron2: 'Detectron2',
  ultralytics: 'Ultralytics / YOLOv5',
};
