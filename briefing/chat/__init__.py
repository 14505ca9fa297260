"""Chat: questions answered from the stored reports, every statement cited."""
