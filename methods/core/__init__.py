"""The shared building blocks every method, the eval and the app stand on. Nothing here imports
a method, the eval or the app.

  files            the one verified resolver chain (mirror -> cache -> package -> download), atomic
                   writes, pixel keys, the image set's mirror folder
  images           image I/O: decode, validate, orient, convert to float32 RGB in [0, 1], resize, save
  weights          the pinned table of network weights and model cards
  manifest         the image set: entries (manifest_entries), train/eval/validation splits, reserved
                   names, locate and load
  training         what training code shares: the train photos, image domains, random crops, the loss log
  errors           MethodError, the refusal whose message is meant for the user
  backbones        VGG feature extractors and the named layer sets
  ops              channel statistics, instance norm, AdaIN, padding layers, colour keeping
  losses           content, Gram style and structure losses
  style_embedding  Magenta's style-prediction network: a painting's 100-number style embedding
"""
