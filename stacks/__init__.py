"""The five stacks of one platform stage, composed by ``stacks.platform.Platform``."""
